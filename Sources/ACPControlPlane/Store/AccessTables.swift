/// The SQL of pairing roles, approved senders and the audit log (migration `v4`).
///
/// - `approved_senders`: one row per sender an owner approved (`<channel>:<id>`, across the
///   channel's accounts, like `access.allowFrom`), with the role; it survives restarts and is
///   removed by a revoke.
/// - `pairing_requests.role`: the role of an approved request; `notice_state`: whether the
///   sender was told the decision (NULL not yet, `sending` claimed, `told` done). A decision made
///   before this migration counts as told (no surprise notices after an upgrade).
/// - `audit_log`: every command and every permission or pairing decision (CONTRACT.md §4), pruned
///   after `audit.retentionDays`.
enum AccessTables {
    static let migration = """
    CREATE TABLE approved_senders (
        channel TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('operator', 'member')),
        request_id INTEGER,
        approved_at REAL NOT NULL,
        approved_by TEXT NOT NULL,
        PRIMARY KEY (channel, sender_id)
    ) WITHOUT ROWID;
    ALTER TABLE pairing_requests ADD COLUMN role TEXT;
    ALTER TABLE pairing_requests ADD COLUMN notice_state TEXT;
    INSERT OR IGNORE INTO approved_senders (channel, sender_id, role, request_id, approved_at, approved_by)
        SELECT channel, sender_id, 'operator', id, COALESCE(decided_at, created_at), COALESCE(decided_by, 'owner')
        FROM pairing_requests WHERE state = 'approved';
    UPDATE pairing_requests SET role = 'operator' WHERE state = 'approved';
    UPDATE pairing_requests SET notice_state = 'told' WHERE state != 'pending';
    CREATE INDEX pairing_requests_untold ON pairing_requests(id) WHERE state != 'pending' AND notice_state IS NULL;

    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        channel TEXT NOT NULL,
        account_id TEXT,
        conversation_id TEXT,
        sender TEXT NOT NULL,
        command TEXT NOT NULL,
        result TEXT NOT NULL,
        session_key TEXT,
        run_id TEXT,
        detail TEXT
    );
    CREATE INDEX audit_log_at ON audit_log(at);
    CREATE INDEX audit_log_sender ON audit_log(sender, at);
    """
}
