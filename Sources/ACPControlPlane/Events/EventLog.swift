#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Appends to and reads `acp_events`. The caller allocates `seq` (the session actor owns the
/// counter of its runs); the unique index `(run_id, seq)` rejects any duplicate, and `append`
/// refuses a `seq` that does not exceed the run's last one, so `seq` strictly increases per run.
/// (`package`: acpd-bench appends with it.)
package enum EventLog {
    /// One event to append.
    package struct Pending {
        var sessionKey: SessionKey
        var runId: RunID?
        var seq: Int64
        var payload: EventPayload

        package init(sessionKey: SessionKey, runId: RunID?, seq: Int64, payload: EventPayload) {
            self.sessionKey = sessionKey
            self.runId = runId
            self.seq = seq
            self.payload = payload
        }
    }

    /// Appends events in the caller's transaction and returns their global ids.
    package static func append(_ db: Database, _ events: [Pending], at time: Double) throws -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(events.count)
        for event in events { ids.append(try append(db, event, at: time)) }
        return ids
    }

    /// Appends one event in the caller's transaction and returns its global id.
    static func append(_ db: Database, _ event: Pending, at time: Double) throws -> Int64 {
        let columns = try EventCoding.encode(event.payload)
        try db.cachedStatement(sql: """
            INSERT INTO acp_events (session_key, run_id, seq, kind, text, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [event.sessionKey.rawValue, event.runId?.rawValue, event.seq, columns.kind,
                                     columns.text, columns.data, time])
        let id = db.lastInsertedRowID
        if event.payload.isTerminal, let runId = event.runId {
            try db.cachedStatement(sql: "UPDATE acp_runs SET last_seq = ? WHERE id = ?").execute(arguments: [event.seq, runId.rawValue])
        }
        return id
    }

    /// The highest committed `seq` of a run (0 when it has no event).
    static func lastSeq(_ db: Database, run: RunID) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(seq) FROM acp_events WHERE run_id = ?"), arguments: [run.rawValue]) ?? 0
    }

    /// The highest `seq` of the session events (run-less) of a session.
    static func lastSessionSeq(_ db: Database, key: SessionKey) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(seq) FROM acp_events WHERE session_key = ? AND run_id IS NULL"),
                           arguments: [key.rawValue]) ?? 0
    }

    /// Events of a run with `seq > after`, in `seq` order.
    static func events(_ db: Database, run: RunID, after: Int64, limit: Int) throws -> [ControlPlaneEvent] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT e.*, r.channel, r.account_id, r.conversation_id, r.parent_conversation_id
            FROM acp_events e JOIN acp_runs r ON r.id = e.run_id
            WHERE e.run_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?
            """), arguments: [run.rawValue, after, limit])
        return try rows.map(event(row:))
    }

    /// Events of a session (run events and session events) with global id `> afterId`, in id order.
    static func events(_ db: Database, session: SessionKey, afterId: Int64, limit: Int) throws -> [ControlPlaneEvent] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT e.*, r.channel, r.account_id, r.conversation_id, r.parent_conversation_id
            FROM acp_events e LEFT JOIN acp_runs r ON r.id = e.run_id
            WHERE e.session_key = ? AND e.id > ? ORDER BY e.id LIMIT ?
            """), arguments: [session.rawValue, afterId, limit])
        return try rows.map(event(row:))
    }

    static func event(row: Row) throws -> ControlPlaneEvent {
        guard let key = try SessionKey(row["session_key"]) else { throw try RecordDecodingError("acp_events.session_key", row["session_key"]) }
        let runId = (try row["run_id"] as String?).flatMap(RunID.init)
        return try ControlPlaneEvent(id: row["id"], sessionKey: key, runId: runId, seq: row["seq"], conversation: row.conversation(),
                                 payload: try EventCoding.decode(kind: row["kind"], text: row["text"], data: row["data"]),
                                 at: row.date("created_at"))
    }
}
