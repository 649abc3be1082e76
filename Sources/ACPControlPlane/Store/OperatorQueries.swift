#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the operator commands (`/acp health`, `/acp sessions`) read: counts over the whole store
/// and a filtered session listing, each in one read snapshot on the indexes that already exist.
extension ControlPlaneStore {
    /// Queued and running runs over every session (the `acp_runs_active` partial index).
    public func activeRunCounts() throws -> (queued: Int, running: Int) {
        try read { db in
            var counts = (queued: 0, running: 0)
            for row in try Row.fetchAll(db.cachedStatement(sql: """
                SELECT state, COUNT(*) AS n FROM acp_runs WHERE state IN ('queued', 'running') GROUP BY state
                """)) {
                let state: String = try row["state"]
                let count: Int = try row["n"]
                if state == "queued" { counts.queued = count } else { counts.running = count }
            }
            return counts
        }
    }

    /// Permission requests waiting for an answer (the `acp_permission_pending` partial index).
    public func pendingPermissionCount() throws -> Int {
        try read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM acp_permission_requests WHERE state = 'pending'")) ?? 0
        }
    }

    /// Pairing requests waiting for an owner's answer.
    public func pendingPairingCount() throws -> Int {
        try read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM pairing_requests WHERE state = 'pending'")) ?? 0
        }
    }

    /// Open (not closed) sessions, most recently active first, at most `limit`; only those of
    /// `agent` when given, only those active at or after `activeSince` when given.
    public func openSessions(agent: String? = nil, activeSince: Date? = nil, limit: Int) throws -> [SessionRecord] {
        try read { db in
            var sql = "SELECT * FROM acp_sessions WHERE state != 'closed'"
            var arguments: StatementArguments = []
            if let agent {
                sql += " AND agent_id = ?"
                arguments += [agent]
            }
            if let activeSince {
                sql += " AND last_activity_at >= ?"
                arguments += [activeSince.timeIntervalSince1970]
            }
            sql += " ORDER BY last_activity_at DESC, key LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(SessionRecord.init(row:))
        }
    }
}
