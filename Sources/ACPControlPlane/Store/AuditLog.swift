#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One row of the audit log (CONTRACT.md §4): a command (also a refused one) or a permission or
/// pairing decision. It names the command, never its arguments: no secret reaches it.
public struct AuditEntry: Sendable, Equatable {
    /// The row id (0 for an entry not written yet).
    public var id: Int64
    /// When it happened (set by the store when written).
    public var at: Date
    /// Where it came from: a chat channel (`telegram`, `http`, …), `cli` or `api`.
    public var channel: String
    public var accountId: String?
    public var conversationId: String?
    /// `<channel>:<id>` of the chat sender, `cli:<user>` or `api`.
    public var sender: String
    /// The command's name (`spawn`, `approve`, `allow`, `revoke`, …).
    public var command: String
    /// `ok`, an error code (`ACP_NOT_BOUND`), `unauthorized`, `rate_limited`, `locked`, `ignored` or `error`.
    public var result: String
    public var sessionKey: String?
    public var runId: String?
    /// What a decision was about (`telegram:555 as member`); never a secret.
    public var detail: String?

    /// An entry to write; `at` is set by the store.
    public init(channel: String, accountId: String? = nil, conversationId: String? = nil, sender: String, command: String,
                result: String, sessionKey: String? = nil, runId: String? = nil, detail: String? = nil) {
        id = 0
        at = Date(timeIntervalSince1970: 0)
        self.channel = channel
        self.accountId = accountId
        self.conversationId = conversationId
        self.sender = sender
        self.command = command
        self.result = result
        self.sessionKey = sessionKey
        self.runId = runId
        self.detail = detail
    }
}

/// The audit log (`audit_log`): appends, queries, and retention in small batches.
extension ControlPlaneStore {
    /// Appends `entry` in a transaction of its own (commands, whose effects have no single
    /// transaction to share: the entry is written right after the handler ran).
    public func appendAudit(_ entry: AuditEntry) throws {
        let time = timestamp
        try write { db in try Self.insertAudit(db, entry, at: time) }
    }

    /// Inserts `entry` inside the caller's transaction (a decision and its audit row commit together).
    static func insertAudit(_ db: Database, _ entry: AuditEntry, at time: Double) throws {
        try db.cachedStatement(sql: """
            INSERT INTO audit_log (at, channel, account_id, conversation_id, sender, command, result, session_key, run_id, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [time, entry.channel, entry.accountId, entry.conversationId, entry.sender, entry.command,
                                     entry.result, entry.sessionKey, entry.runId, entry.detail])
    }

    /// Inserts the audit row of a permission decision inside the caller's transaction (the one
    /// that records it): command `permission`, result `answered`, `auto`, `timed_out` or
    /// `cancelled`, the run's conversation, session and run, and `request <id>: <option>` as detail.
    /// Who answered is not known here: an answer from chat has sender `chat` (the `allow`/`reject`
    /// command's row names the sender); acpd's own decisions (policy, timeout, cancel) have `acpd`.
    static func insertPermissionDecision(_ db: Database, id: Int64, state: String, outcome: String, at time: Double) throws {
        try db.cachedStatement(sql: """
            INSERT INTO audit_log (at, channel, account_id, conversation_id, sender, command, result, session_key, run_id, detail)
            SELECT ?, COALESCE(r.channel, 'acpd'), r.account_id, r.conversation_id, ?, 'permission', ?, p.session_key, p.run_id, ?
            FROM acp_permission_requests p LEFT JOIN acp_runs r ON r.id = p.run_id WHERE p.id = ?
            """).execute(arguments: [time, state == "answered" ? "chat" : "acpd", state, "request \(id): \(outcome)", id])
    }

    /// Audit entries, newest first: those since `since` (all when nil), of `sender` only when
    /// given, at most `limit`.
    public func auditEntries(since: Date? = nil, sender: String? = nil, limit: Int = 1000) throws -> [AuditEntry] {
        try read { db in
            let from = since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
            let rows = if let sender {
                try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_log WHERE sender = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?"),
                                 arguments: [sender, from, limit])
            } else {
                try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_log WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?"),
                                 arguments: [from, limit])
            }
            return try rows.map { row in
                var entry = try AuditEntry(channel: row["channel"], accountId: row["account_id"], conversationId: row["conversation_id"],
                                           sender: row["sender"], command: row["command"], result: row["result"],
                                           sessionKey: row["session_key"], runId: row["run_id"], detail: row["detail"])
                entry.id = try row["id"]
                entry.at = try row.date("at")
                return entry
            }
        }
    }

    /// Deletes at most `limit` audit rows older than `cutoff` (seconds since 1970), oldest first,
    /// inside the caller's transaction; returns how many.
    static func pruneAudit(_ db: Database, before cutoff: Double, limit: Int) throws -> Int {
        try db.cachedStatement(sql: "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)")
            .execute(arguments: [cutoff, limit])
        return db.changesCount
    }
}
