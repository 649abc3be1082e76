/// The statements of retention, run inside a caller's transaction. A run is prunable only when
/// it is finished (`ended_at` set: never queued or running) and delivered: it has no
/// conversation, or the checkpoint of its conversation reached its terminal event (the same
/// test `DeliveryCheckpoints.pending` uses, negated).
enum RetentionTables {
    /// The finished runs before `cutoff` whose events are still kept, oldest first.
    static func runsWithEvents(_ db: Database, endedBefore cutoff: Double, limit: Int) throws -> [RunID] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT r.id FROM acp_runs r
            WHERE r.ended_at IS NOT NULL AND r.events_pruned = 0 AND r.ended_at < ? AND \(delivered)
            ORDER BY r.ended_at LIMIT ?
            """), arguments: [cutoff, limit]).compactMap(RunID.init)
    }

    /// The finished runs before `cutoff`, oldest first.
    static func runs(_ db: Database, endedBefore cutoff: Double, limit: Int) throws -> [RunID] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT r.id FROM acp_runs r
            WHERE r.ended_at IS NOT NULL AND r.ended_at < ? AND \(delivered)
            ORDER BY r.ended_at LIMIT ?
            """), arguments: [cutoff, limit]).compactMap(RunID.init)
    }

    /// Deletes at most `limit` events of `run` (the oldest first); returns how many.
    static func deleteEvents(_ db: Database, run: RunID, limit: Int) throws -> Int {
        try db.cachedStatement(sql: """
            DELETE FROM acp_events WHERE id IN (SELECT id FROM acp_events WHERE run_id = ? ORDER BY seq LIMIT ?)
            """).execute(arguments: [run.rawValue, limit])
        return db.changesCount
    }

    /// Notes that `run` has no events left.
    static func markEventsPruned(_ db: Database, run: RunID) throws {
        try db.cachedStatement(sql: "UPDATE acp_runs SET events_pruned = 1 WHERE id = ?").execute(arguments: [run.rawValue])
    }

    /// Deletes a run that has no events left, with its checkpoints and permission requests (the
    /// foreign keys cascade) and the channel messages it left; returns the channel messages deleted.
    static func deleteRun(_ db: Database, run: RunID) throws -> Int {
        try db.cachedStatement(sql: "DELETE FROM channel_messages WHERE run_id = ?").execute(arguments: [run.rawValue])
        let messages = db.changesCount
        try db.cachedStatement(sql: "DELETE FROM acp_runs WHERE id = ?").execute(arguments: [run.rawValue])
        return messages
    }

    /// Deletes at most `limit` session-level events (no run) created before `cutoff`, oldest
    /// first, but never a session's latest one: the next session event's `seq` follows it
    /// (`EventLog` numbers them from the highest kept); returns how many.
    static func deleteSessionEvents(_ db: Database, before cutoff: Double, limit: Int) throws -> Int {
        try db.cachedStatement(sql: """
            DELETE FROM acp_events WHERE id IN (
              SELECT e.id FROM acp_events e WHERE e.run_id IS NULL AND e.created_at < ?
                AND e.seq < (SELECT MAX(l.seq) FROM acp_events l WHERE l.session_key = e.session_key AND l.run_id IS NULL)
              ORDER BY e.id LIMIT ?)
            """).execute(arguments: [cutoff, limit])
        return db.changesCount
    }

    /// Deletes at most `limit` bindings that ended before `cutoff` (an active binding is never
    /// touched); returns how many.
    static func deleteEndedBindings(_ db: Database, before cutoff: Double, limit: Int) throws -> Int {
        try db.cachedStatement(sql: """
            DELETE FROM acp_bindings WHERE id IN (SELECT id FROM acp_bindings WHERE ended_at IS NOT NULL AND ended_at < ? LIMIT ?)
            """).execute(arguments: [cutoff, limit])
        return db.changesCount
    }

    /// Deletes at most `limit` sessions closed before `cutoff` that have no run and no active
    /// binding left (what references them cascades: their remaining events and ended bindings);
    /// returns how many.
    static func deleteClosedSessions(_ db: Database, before cutoff: Double, limit: Int) throws -> Int {
        try db.cachedStatement(sql: """
            DELETE FROM acp_sessions WHERE key IN (
              SELECT s.key FROM acp_sessions s
              WHERE s.state = 'closed' AND s.closed_at IS NOT NULL AND s.closed_at < ?
                AND NOT EXISTS (SELECT 1 FROM acp_runs r WHERE r.session_key = s.key)
                AND NOT EXISTS (SELECT 1 FROM acp_bindings b WHERE b.session_key = s.key AND b.ended_at IS NULL)
              LIMIT ?)
            """).execute(arguments: [cutoff, limit])
        return db.changesCount
    }

    /// The SQL condition "run `r` was delivered".
    private static let delivered = """
        (r.conversation_id IS NULL OR COALESCE((SELECT c.last_seq FROM acp_delivery_checkpoint c
          WHERE c.run_id = r.id AND c.destination = r.channel || ':' || r.account_id || ':' || r.conversation_id), 0) >= r.last_seq)
        """
}
