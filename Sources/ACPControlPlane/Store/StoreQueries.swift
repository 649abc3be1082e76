#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Read access for the daemon, the CLI (`acpd sessions|bindings|status`, works while `run` is
/// up thanks to WAL) and the HTTP API. Every method reads one consistent snapshot.
extension ControlPlaneStore {
    /// The session with this key, closed ones included.
    public func session(_ key: SessionKey) throws -> SessionRecord? {
        try read { db in try SessionTables.fetch(db, key: key) }
    }

    /// Sessions, most recently active first; `states` nil means all.
    public func sessions(states: Set<SessionState>? = nil, limit: Int = 1000) throws -> [SessionRecord] {
        try read { db in
            var sql = "SELECT * FROM acp_sessions"
            var arguments: StatementArguments = []
            if let states {
                sql += " WHERE state IN (\(states.map { _ in "?" }.joined(separator: ", ")))"
                arguments += StatementArguments(states.map(\.rawValue).sorted())
            }
            sql += " ORDER BY last_activity_at DESC, key LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(SessionRecord.init(row:))
        }
    }

    /// The open (not closed) sessions whose label is `label`.
    public func sessions(label: String) throws -> [SessionRecord] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM acp_sessions WHERE label = ? AND state != 'closed' ORDER BY key"),
                             arguments: [label]).map(SessionRecord.init(row:))
        }
    }

    /// Session counts per state.
    public func sessionCounts() throws -> [SessionState: Int] {
        try read { db in
            var counts: [SessionState: Int] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, COUNT(*) AS n FROM acp_sessions GROUP BY state")) {
                if let state = try SessionState(rawValue: row["state"]) { counts[state] = try row["n"] as Int }
            }
            return counts
        }
    }

    /// Bindings; `activeOnly` skips ended ones; `source` and `session` filter.
    public func bindings(activeOnly: Bool = true, source: BindingSource? = nil, session: SessionKey? = nil) throws -> [BindingRecord] {
        try read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if activeOnly { clauses.append("ended_at IS NULL") }
            if let source {
                clauses.append("source = ?")
                arguments += [source.rawValue]
            }
            if let session {
                clauses.append("session_key = ?")
                arguments += [session.rawValue]
            }
            let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM acp_bindings\(filter) ORDER BY id", arguments: arguments)
                .map(BindingRecord.init(row:))
        }
    }

    /// The active bindings whose source is in `sources`, each with its session (nil when the row
    /// is missing), read in one snapshot, in binding order.
    public func activeBindingsWithSessions(sources: Set<BindingSource>) throws -> [(binding: BindingRecord, session: SessionRecord?)] {
        try read { db in
            let bindings = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM acp_bindings WHERE ended_at IS NULL ORDER BY id"))
                .map(BindingRecord.init(row:)).filter { sources.contains($0.source) }
            var sessions: [SessionKey: SessionRecord?] = [:]
            return try bindings.map { binding in
                if sessions[binding.sessionKey] == nil { sessions[binding.sessionKey] = .some(try SessionTables.fetch(db, key: binding.sessionKey)) }
                return (binding, sessions[binding.sessionKey] ?? nil)
            }
        }
    }

    /// The active bindings of one conversation (at most one per source).
    public func activeBindings(for conversation: ConversationRef) throws -> [BindingRecord] {
        try read { db in try SessionTables.activeBindings(db, conversation: conversation) }
    }

    /// The active bindings of one conversation and the session `pick` chooses from them (no
    /// session read when it returns nil), read in one snapshot: what routing an inbound message
    /// needs, in one read transaction instead of two. `pick` runs inside the read; keep it pure.
    public func activeBindingsAndSession(
        for conversation: ConversationRef, session pick: ([BindingRecord]) -> SessionKey?
    ) throws -> (bindings: [BindingRecord], session: SessionRecord?) {
        try read { db in
            let bindings = try SessionTables.activeBindings(db, conversation: conversation)
            guard let key = pick(bindings) else { return (bindings, nil) }
            return (bindings, try SessionTables.fetch(db, key: key))
        }
    }

    /// Active bindings whose session is missing or closed (stale: report them, never route through them).
    public func staleBindings() throws -> [BindingRecord] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT b.* FROM acp_bindings b LEFT JOIN acp_sessions s ON s.key = b.session_key
                WHERE b.ended_at IS NULL AND (s.key IS NULL OR s.state = 'closed') ORDER BY b.id
                """)).map(BindingRecord.init(row:))
        }
    }

    public func run(_ id: RunID) throws -> RunRecord? {
        try read { db in try RunTables.fetch(db, id: id) }
    }

    /// Runs of a session, newest first.
    public func runs(session: SessionKey, limit: Int = 100) throws -> [RunRecord] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM acp_runs WHERE session_key = ? ORDER BY ordinal DESC LIMIT ?"),
                             arguments: [session.rawValue, limit]).map(RunRecord.init(row:))
        }
    }

    /// The queued and running runs of a session, in start order.
    public func activeRuns(session: SessionKey) throws -> [RunRecord] {
        try read { db in try RunTables.active(db, key: session) }
    }

    /// Committed events of a run with `seq > after`, in order.
    public func events(run: RunID, after: Int64 = 0, limit: Int = 10_000) throws -> [ControlPlaneEvent] {
        try read { db in try EventLog.events(db, run: run, after: after, limit: limit) }
    }

    /// Committed events of a session (runs and session events) with global id `> afterId`.
    public func events(session: SessionKey, afterId: Int64 = 0, limit: Int = 10_000) throws -> [ControlPlaneEvent] {
        try read { db in try EventLog.events(db, session: session, afterId: afterId, limit: limit) }
    }

    /// The last committed `seq` of a run.
    public func lastSeq(run: RunID) throws -> Int64 {
        try read { db in try EventLog.lastSeq(db, run: run) }
    }

    /// The delivery checkpoint of (run, destination); 0 when nothing was delivered.
    public func checkpoint(run: RunID, destination: String) throws -> Int64 {
        try read { db in try DeliveryCheckpoints.get(db, run: run, destination: destination) }
    }

    /// Records that every event of `run` up to `seq` reached `destination`. Never moves back;
    /// refuses to pass the run's last committed event. Returns the checkpoint after the call.
    @discardableResult
    public func advanceCheckpoint(run: RunID, destination: String, to seq: Int64) throws -> Int64 {
        // A store-backed channel usually moved it already, in its message's transaction.
        if let known = checkpointCache.covering(run: run, destination: destination, seq: seq) { return known }
        let time = timestamp
        let advanced = try write { db in try DeliveryCheckpoints.advance(db, run: run, destination: destination, to: seq, at: time) }
        checkpointCache.note(run: run, destination: destination, seq: advanced)
        return advanced
    }

    /// Finished runs whose output has not fully reached their conversation (offer them again
    /// after a restart, from `deliveredSeq`).
    public func pendingDeliveries(limit: Int = 1000) throws -> [PendingDelivery] {
        try read { db in try DeliveryCheckpoints.pending(db, limit: limit) }
    }
}
