import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The idempotency keys this process is handling right now, and the messages waiting for their
/// outcome: the in-memory half of inbound idempotency (the store keeps completed outcomes).
///
/// A key's first message claims it; a second message with the same key meanwhile (a platform's
/// redelivery, a client's retry) waits for the first one's outcome instead of doing the work
/// twice. One process owns a store and all of its intake, so a claim needs no store write: a
/// crash ends every claim with the process, and a redelivery after it finds either the committed
/// outcome or nothing (the work's effects and its outcome commit in one transaction, or the
/// outcome right after them). That is one write transaction less on every message's path than a
/// durable `in_progress` reservation, which recovery dropped at start anyway.
///
/// A lock, not an actor: claiming and finishing take no hop on the intake path.
final class InboundClaims: Sendable {
    /// The answer of `claim(_:waitingUpTo:)`.
    enum Claim: Sendable, Equatable {
        /// The caller owns the key now: handle the message, then `finish`.
        case claimed
        /// Another message with this key was handled meanwhile: its outcome (with its request
        /// fingerprint).
        case answered(InboundOutcome)
        /// The first message did not finish within the limit: answer "in progress".
        case timedOut
    }

    private enum Wake: Sendable {
        case outcome(InboundOutcome)
        /// The key was given up without an outcome (or before the waiter registered): try again.
        case released
        case timedOut
    }

    private struct State {
        var claimed: Set<IdempotencyKey> = []
        var waiters: [IdempotencyKey: [UUID: CheckedContinuation<Wake, Never>]] = [:]
    }

    private let state = Mutex(State())

    /// Number of keys being handled now (for tests).
    var count: Int { state.withLock { $0.claimed.count } }

    /// Claims `key`, or waits up to `limit` for the outcome of the message holding it.
    func claim(_ key: IdempotencyKey, waitingUpTo limit: Duration) async -> Claim {
        let deadline = ContinuousClock.now + limit
        while true {
            let won = state.withLock { state in state.claimed.insert(key).inserted }
            if won { return .claimed }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return .timedOut }
            switch await wait(for: key, until: deadline, upTo: remaining) {
            case .outcome(let outcome): return .answered(outcome)
            case .timedOut: return .timedOut
            case .released: continue
            }
        }
    }

    /// Ends the claim on `key`: waiters get `outcome`, or (nil) try to claim it themselves.
    func finish(_ key: IdempotencyKey, with outcome: InboundOutcome?) {
        let waiting = state.withLock { state -> [CheckedContinuation<Wake, Never>] in
            state.claimed.remove(key)
            return state.waiters.removeValue(forKey: key).map { Array($0.values) } ?? []
        }
        let wake: Wake = outcome.map { .outcome($0) } ?? .released
        for waiter in waiting { waiter.resume(returning: wake) }
    }

    private func wait(for key: IdempotencyKey, until deadline: ContinuousClock.Instant, upTo limit: Duration) async -> Wake {
        let token = UUID()
        // A `WatchdogTimer`, not a cancelled `Task.sleep` (which keeps its timer until the deadline):
        // nearly every wait ends with the first outcome, long before the limit.
        let timeout = WatchdogTimer(after: limit) { [weak self] in self?.resume(key, token: token, with: .timedOut) }
        defer { timeout.cancel() }
        return await withCheckedContinuation { (waiter: CheckedContinuation<Wake, Never>) in
            let early = state.withLock { state -> Wake? in
                // Finished between the claim attempt and now: try again at once.
                guard state.claimed.contains(key) else { return .released }
                // The timeout may have fired before this registration.
                guard ContinuousClock.now < deadline else { return .timedOut }
                state.waiters[key, default: [:]][token] = waiter
                return nil
            }
            if let early { waiter.resume(returning: early) }
        }
    }

    private func resume(_ key: IdempotencyKey, token: UUID, with wake: Wake) {
        let waiter = state.withLock { state -> CheckedContinuation<Wake, Never>? in
            guard let waiter = state.waiters[key]?.removeValue(forKey: token) else { return nil }
            if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
            return waiter
        }
        waiter?.resume(returning: wake)
    }
}
