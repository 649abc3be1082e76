#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// A signal that fires once: `wait()` returns when it has fired (at once if it had) or when the
/// waiting task is cancelled.
final class OneShotSignal: Sendable {
    private struct State {
        var fired = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they registered.
        var cancelled: Set<UUID> = []
    }

    private let state = Mutex(State())

    /// Fires: every waiter returns, and every later `wait()` returns at once.
    func fire() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns once the signal fired, or the calling task is cancelled.
    func wait() async {
        let token = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.fired || state.cancelled.remove(token) != nil { return true }
                    state.waiters[token] = waiter
                    return false
                }
                if now { waiter.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: token) { return waiter }
                // Not registered yet (it will see this), or already resumed by `fire`.
                if !state.fired { state.cancelled.insert(token) }
                return nil
            }
            waiter?.resume()
        }
    }
}
