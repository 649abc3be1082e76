#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Statements on `acp_runs`, run inside a caller's transaction. (`package`: acpd-bench seeds stores with them.)
package enum RunTables {
    static func fetch(_ db: Database, id: RunID) throws -> RunRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM acp_runs WHERE id = ?"), arguments: [id.rawValue]).map(RunRecord.init(row:))
    }

    /// The queued and running runs of a session, in the order they will start.
    static func active(_ db: Database, key: SessionKey) throws -> [RunRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM acp_runs WHERE session_key = ? AND state IN ('queued', 'running') ORDER BY lane, ordinal
            """), arguments: [key.rawValue]).map(RunRecord.init(row:))
    }

    /// Inserts a run with the next ordinal of its session: queued, or already running since
    /// `startedAt` when it starts at once (one statement instead of an INSERT and an UPDATE).
    package static func insert(_ db: Database, id: RunID, key: SessionKey, lane: RunLane, conversation: ConversationRef?,
                       prompt: [ContentBlock], at time: Double, startedAt: Double? = nil) throws -> RunRecord {
        let ordinal = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(ordinal) FROM acp_runs WHERE session_key = ?"),
                                          arguments: [key.rawValue]) ?? 0) + 1
        let promptJSON = StoredJSON.prompt(prompt)
        let state: RunState = startedAt == nil ? .queued : .running
        try db.cachedStatement(sql: """
            INSERT INTO acp_runs (id, session_key, ordinal, lane, state, channel, account_id, conversation_id, parent_conversation_id,
              prompt, submitted_at, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id.rawValue, key.rawValue, ordinal, lane.rawValue, state.rawValue, conversation?.channel.rawValue,
                                     conversation?.accountId, conversation?.conversationId, conversation?.parentConversationId, promptJSON,
                                     time, startedAt])
        return RunRecord(id: id, sessionKey: key, ordinal: ordinal, lane: lane, state: state, conversation: conversation,
                         prompt: prompt, lastSeq: 0, submittedAt: Date(timeIntervalSince1970: time),
                         startedAt: startedAt.map(Date.init(timeIntervalSince1970:)))
    }

    package static func markStarted(_ db: Database, id: RunID, at time: Double) throws {
        try db.cachedStatement(sql: "UPDATE acp_runs SET state = 'running', started_at = ? WHERE id = ? AND state = 'queued'").execute(arguments: [time, id.rawValue])
        try requireChanged(db, id: id, to: .running)
    }

    /// Writes a terminal state. Only a queued or running run can end.
    package static func markEnded(_ db: Database, id: RunID, _ state: RunState, stopReason: String? = nil, error: ACPError? = nil,
                          at time: Double) throws {
        try db.cachedStatement(sql: """
            UPDATE acp_runs SET state = ?, stop_reason = ?, error_code = ?, error_message = ?, ended_at = ?
            WHERE id = ? AND state IN ('queued', 'running')
            """).execute(arguments: [state.rawValue, stopReason, error?.code.rawValue, error?.message, time, id.rawValue])
        try requireChanged(db, id: id, to: state)
    }

    private static func requireChanged(_ db: Database, id: RunID, to state: RunState) throws {
        if db.changesCount == 0 {
            throw StateMachineViolation(what: "run \(id)", detail: "stored state does not allow the change to \(state.rawValue)")
        }
    }
}
