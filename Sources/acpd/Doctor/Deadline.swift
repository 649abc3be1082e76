#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Thrown by `withTimeLimit` when the operation did not finish in time.
struct TimeLimitExceeded: Error, Sendable {
    let seconds: Double
}

/// Runs `operation`, giving up after `seconds`: the operation's task is cancelled and
/// `TimeLimitExceeded` is thrown. The operation must honour cancellation to stop promptly.
func withTimeLimit<T: Sendable>(_ seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimeLimitExceeded(seconds: seconds) }
        return value
    }
}
