#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What start-up recovery found and did.
public struct RecoveryReport: Sendable, Equatable {
    /// Sessions that are not closed (they start their runtimes lazily, on their next turn).
    public var openSessions: Int
    /// Runs left `running` or `queued` by the previous process, now failed with "acpd restarted".
    public var interruptedRuns: [RunID]
    /// Sessions moved back to `idle` (they were running, cancelling or creating).
    public var sessionsReturnedToIdle: Int
    /// Permission requests whose runtime died with the previous process.
    public var abandonedPermissions: Int
    /// Idempotency reservations of commands that never completed (they may run again).
    public var droppedReservations: Int
    /// Active bindings (untouched by recovery).
    public var activeBindings: Int
    /// Finished runs whose output is not fully delivered (offer them from their checkpoints).
    public var pendingDeliveries: Int
}

extension SessionManager {
    /// Start-up recovery; call once, before any other use of the manager. Runs left `running`
    /// or `queued` by a crash are failed with "acpd restarted" (a terminal event tells their
    /// conversation once), sessions return to `idle`, bindings stay exactly as committed,
    /// runtimes start again lazily.
    public func recover() throws -> RecoveryReport {
        let report = try store.runRecovery(at: store.timestamp)
        recoveryDone(counts: try store.sessionCounts())
        return report
    }
}
