#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ControlPlaneStore {
    /// Start-up recovery (`SessionManager.recover`), in one transaction: see `RecoveryStatements`.
    func runRecovery(at time: Double) throws -> RecoveryReport {
        try write { db in try RecoveryStatements.run(db, at: time) }
    }
}

/// Start-up recovery, in one transaction: nothing of it is half-applied.
enum RecoveryStatements {
    static let restartMessage = "acpd restarted"

    static func run(_ db: Database, at time: Double) throws -> RecoveryReport {
        let interrupted = try Row.fetchAll(db, sql: """
            SELECT id FROM acp_runs WHERE state IN ('queued', 'running') ORDER BY session_key, lane, ordinal
            """).compactMap { row in RunID(try row["id"] as String) }
        let failure = ACPError(.turnFailed, message: restartMessage, hint: "send the message again")
        for run in interrupted {
            try RunTables.markEnded(db, id: run, .failed, error: failure, at: time)
            // The terminal event tells the run's conversation, once, through the delivery checkpoint;
            // before it, each permission prompt the run left open is withdrawn (its chat message
            // stops inviting an answer nobody can take any more).
            var seq = try EventLog.lastSeq(db, run: run) + 1
            guard let key = try String.fetchOne(db, sql: "SELECT session_key FROM acp_runs WHERE id = ?", arguments: [run.rawValue]),
                  let sessionKey = SessionKey(key) else { continue }
            var events: [EventLog.Pending] = []
            let open = try Int64.fetchAll(db, sql: "SELECT id FROM acp_permission_requests WHERE run_id = ? AND state = 'pending' ORDER BY id",
                                          arguments: [run.rawValue])
            for id in open {
                events.append(EventLog.Pending(sessionKey: sessionKey, runId: run, seq: seq,
                                               payload: .permissionResolved(PermissionResolution(id: id, how: .cancelled, optionId: nil))))
                seq += 1
            }
            for id in try ElicitationTables.pending(db, run: run) {
                events.append(EventLog.Pending(sessionKey: sessionKey, runId: run, seq: seq,
                                               payload: .elicitation(.resolved(ElicitationResolution(id: id, how: .interrupted)))))
                seq += 1
            }
            events.append(EventLog.Pending(sessionKey: sessionKey, runId: run, seq: seq,
                                           payload: .failed(code: failure.code, message: failure.message)))
            _ = try EventLog.append(db, events, at: time)
        }
        var returned = 0
        for row in try Row.fetchAll(db, sql: "SELECT key, state FROM acp_sessions WHERE state IN ('running', 'cancelling', 'creating')") {
            guard let state = try SessionState(rawValue: row["state"]) else { continue }
            let key: String = try row["key"]
            let next = try state.next(on: .recovered, subject: "session \(key)")
            try db.execute(sql: "UPDATE acp_sessions SET state = ?, updated_at = ? WHERE key = ?", arguments: [next.rawValue, time, key])
            returned += 1
        }
        try db.execute(sql: """
            UPDATE acp_permission_requests SET state = 'abandoned', outcome = 'cancelled', answered_at = ? WHERE state = 'pending'
            """, arguments: [time])
        let abandoned = db.changesCount
        try ElicitationTables.interruptAll(db, at: time)
        let dropped = try IdempotencyTable.dropInProgress(db)
        let open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM acp_sessions WHERE state != 'closed'") ?? 0
        let bindings = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM acp_bindings WHERE ended_at IS NULL") ?? 0
        let pending = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM acp_runs r
            LEFT JOIN acp_delivery_checkpoint c
              ON c.run_id = r.id AND c.destination = r.channel || ':' || r.account_id || ':' || r.conversation_id
            WHERE r.state IN ('completed', 'failed', 'cancelled') AND r.conversation_id IS NOT NULL
              AND COALESCE(c.last_seq, 0) < r.last_seq
            """) ?? 0
        return RecoveryReport(openSessions: open, interruptedRuns: interrupted, sessionsReturnedToIdle: returned,
                              abandonedPermissions: abandoned, droppedReservations: dropped, activeBindings: bindings,
                              pendingDeliveries: pending)
    }
}
