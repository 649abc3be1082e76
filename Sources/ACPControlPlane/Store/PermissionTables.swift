#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Statements on `acp_permission_requests`, run inside a caller's transaction.
enum PermissionTables {
    /// Inserts a pending request and returns its id (the number `/acp allow <n>` names).
    static func insert(_ db: Database, session key: SessionKey, run: RunID, toolCallId: String, title: String, toolKind: String?,
                       optionsJSON: String, deadline: Double, at time: Double) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO acp_permission_requests (session_key, run_id, tool_call_id, title, tool_kind, options, state, deadline, created_at)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
            """).execute(arguments: [key.rawValue, run.rawValue, toolCallId, title, toolKind, optionsJSON, deadline, time])
        return db.lastInsertedRowID
    }

    /// Records how request `id` was answered (`state`: answered, auto, timed_out, cancelled).
    static func resolve(_ db: Database, id: Int64, state: String, outcome: String, at time: Double) throws {
        try db.cachedStatement(sql: "UPDATE acp_permission_requests SET state = ?, outcome = ?, answered_at = ? WHERE id = ?").execute(arguments: [state, outcome, time, id])
    }

    /// Cancels every pending request of a session (close, reset).
    static func cancelPending(_ db: Database, session key: SessionKey, at time: Double) throws {
        try db.cachedStatement(sql: "UPDATE acp_permission_requests SET state = 'cancelled', outcome = 'cancelled', answered_at = ? WHERE session_key = ? AND state = 'pending'").execute(arguments: [time, key.rawValue])
    }

    /// The session key stored with request `id`, nil when there is no such request.
    static func sessionKey(_ db: Database, id: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT session_key FROM acp_permission_requests WHERE id = ?"), arguments: [id])
    }
}
