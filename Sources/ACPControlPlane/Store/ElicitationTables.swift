#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Statements on `acp_elicitations` (migration `v4-elicit`), run inside a caller's transaction.
/// A row numbers an elicitation (`/acp answer <n>`) and lets start-up recovery find the ones a
/// restart interrupted; the values live in the events, not here.
enum ElicitationTables {
    /// The SQL of migration `v4-elicit`.
    static let schema = """
    CREATE TABLE acp_elicitations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_key TEXT NOT NULL REFERENCES acp_sessions(key) ON DELETE CASCADE,
        run_id TEXT NOT NULL REFERENCES acp_runs(id) ON DELETE CASCADE,
        mode TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined', 'cancelled', 'timed_out', 'withdrawn', 'interrupted')),
        deadline REAL NOT NULL,
        created_at REAL NOT NULL,
        resolved_at REAL
    );
    CREATE INDEX acp_elicitations_pending ON acp_elicitations(run_id) WHERE state = 'pending';
    """

    /// Inserts a pending elicitation and returns its id.
    static func insert(_ db: Database, session key: SessionKey, run: RunID, mode: String, deadline: Double, at time: Double) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO acp_elicitations (session_key, run_id, mode, state, deadline, created_at) VALUES (?, ?, ?, 'pending', ?, ?)
            """).execute(arguments: [key.rawValue, run.rawValue, mode, deadline, time])
        return db.lastInsertedRowID
    }

    /// Records how elicitation `id` ended (`state`: an `ElicitationResolution.How` raw value).
    static func resolve(_ db: Database, id: Int64, state: String, at time: Double) throws {
        try db.cachedStatement(sql: "UPDATE acp_elicitations SET state = ?, resolved_at = ? WHERE id = ? AND state = 'pending'")
            .execute(arguments: [state, time, id])
    }

    /// The pending elicitations of `run`, oldest first.
    static func pending(_ db: Database, run: RunID) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT id FROM acp_elicitations WHERE run_id = ? AND state = 'pending' ORDER BY id",
                           arguments: [run.rawValue])
    }

    /// The audit row of how elicitation `id` ended, inside the caller's transaction (like a
    /// permission decision's): command `elicitation`, result its state, the run's conversation,
    /// session and run, detail `question <id>` (never the values: they may hold anything). Sender
    /// `chat` for an answer or a decline from chat (the `/acp answer|decline` command's own row
    /// names who; a plain-message answer is not a command), `acpd` for the rest.
    static func insertDecision(_ db: Database, id: Int64, state: String, at time: Double) throws {
        let sender = state == "accepted" || state == "declined" ? "chat" : "acpd"
        try db.cachedStatement(sql: """
            INSERT INTO audit_log (at, channel, account_id, conversation_id, sender, command, result, session_key, run_id, detail)
            SELECT ?, COALESCE(r.channel, 'acpd'), r.account_id, r.conversation_id, ?, 'elicitation', ?, e.session_key, e.run_id, ?
            FROM acp_elicitations e LEFT JOIN acp_runs r ON r.id = e.run_id WHERE e.id = ?
            """).execute(arguments: [time, sender, state, "question \(id)", id])
    }

    /// Marks every pending elicitation interrupted (start-up recovery: their agents are gone).
    static func interruptAll(_ db: Database, at time: Double) throws {
        try db.execute(sql: "UPDATE acp_elicitations SET state = 'interrupted', resolved_at = ? WHERE state = 'pending'", arguments: [time])
    }

    /// The session key stored with elicitation `id`, nil when there is no such elicitation.
    static func sessionKey(_ db: Database, id: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT session_key FROM acp_elicitations WHERE id = ?"), arguments: [id])
    }
}

extension ControlPlaneStore {
    /// Stores a pending elicitation and, in the same transaction, the events that `events` makes
    /// from its new id. Returns the id and the events' ids.
    func insertElicitation(session key: SessionKey, run: RunID, mode: String, deadline: Date, at time: Double,
                           events: (Int64) -> [EventLog.Pending]) throws -> (id: Int64, eventIds: [Int64]) {
        try write { db in
            let id = try ElicitationTables.insert(db, session: key, run: run, mode: mode, deadline: deadline.timeIntervalSince1970, at: time)
            return (id, try EventLog.append(db, events(id), at: time))
        }
    }

    /// Records how elicitation `id` ended, with its audit row (one transaction).
    func resolveElicitation(_ id: Int64, how: ElicitationResolution.How, at time: Double) throws {
        try write { db in
            try ElicitationTables.resolve(db, id: id, state: how.rawValue, at: time)
            try ElicitationTables.insertDecision(db, id: id, state: how.rawValue, at: time)
        }
    }

    /// The session of elicitation `id`; nil when there is none.
    func sessionOfElicitation(_ id: Int64) throws -> SessionKey? {
        try read { db in try ElicitationTables.sessionKey(db, id: id) }.flatMap { SessionKey($0) }
    }
}
