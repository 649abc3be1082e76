/// The versioned schema of `acpd.sqlite`. Migrations are append-only: a released migration is
/// never edited; a change is a new migration. `PRAGMA user_version` is the number of applied
/// migrations (`SchemaMigrator`); the identifiers are those acpd's earlier GRDB-based store
/// recorded in `grdb_migrations`, which older files still carry.
enum Schema {
    /// The schema version this binary writes (the number of migrations below).
    static let currentVersion = 6

    static var migrator: SchemaMigrator {
        var migrator = SchemaMigrator()
        migrator.register("v1") { db in try db.execute(sql: v1) }
        migrator.register("v2") { db in try db.execute(sql: v2) }
        migrator.register("v3") { db in try db.execute(sql: v3) }
        migrator.register("v4") { db in try db.execute(sql: AccessTables.migration) }
        migrator.register("v5") { db in try db.execute(sql: SessionOptionsTables.createSQL) }
        migrator.register("v6") { db in try db.execute(sql: ElicitationTables.schema) }
        return migrator
    }

    private static let v1 = """
    CREATE TABLE acp_sessions (
        key TEXT PRIMARY KEY NOT NULL,
        agent_id TEXT NOT NULL,
        cwd TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('persistent', 'oneshot')),
        backend TEXT NOT NULL,
        label TEXT,
        state TEXT NOT NULL CHECK (state IN ('creating', 'idle', 'running', 'cancelling', 'closed', 'error')),
        agent_session_id TEXT,
        last_error_code TEXT,
        last_error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        last_activity_at REAL NOT NULL,
        closed_at REAL
    );
    CREATE INDEX acp_sessions_state ON acp_sessions(state);
    CREATE INDEX acp_sessions_label ON acp_sessions(label) WHERE label IS NOT NULL;

    CREATE TABLE acp_runs (
        id TEXT PRIMARY KEY NOT NULL,
        session_key TEXT NOT NULL REFERENCES acp_sessions(key) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        lane INTEGER NOT NULL DEFAULT 1,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        channel TEXT,
        account_id TEXT,
        conversation_id TEXT,
        parent_conversation_id TEXT,
        prompt TEXT NOT NULL,
        stop_reason TEXT,
        error_code TEXT,
        error_message TEXT,
        last_seq INTEGER NOT NULL DEFAULT 0,
        submitted_at REAL NOT NULL,
        started_at REAL,
        ended_at REAL,
        UNIQUE (session_key, ordinal)
    );
    CREATE INDEX acp_runs_active ON acp_runs(session_key, lane, ordinal) WHERE state IN ('queued', 'running');
    CREATE INDEX acp_runs_ended ON acp_runs(ended_at) WHERE ended_at IS NOT NULL;

    CREATE TABLE acp_bindings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL CHECK (source IN ('config', 'runtime', 'route')),
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        parent_conversation_id TEXT,
        session_key TEXT NOT NULL REFERENCES acp_sessions(key) ON DELETE CASCADE,
        persist INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        last_activity_at REAL NOT NULL,
        expires_at REAL,
        ended_at REAL,
        end_reason TEXT
    );
    CREATE UNIQUE INDEX acp_bindings_active
        ON acp_bindings(source, channel, account_id, conversation_id) WHERE ended_at IS NULL;
    CREATE INDEX acp_bindings_session ON acp_bindings(session_key);

    CREATE TABLE acp_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_key TEXT NOT NULL REFERENCES acp_sessions(key) ON DELETE CASCADE,
        run_id TEXT REFERENCES acp_runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq > 0),
        kind TEXT NOT NULL,
        text TEXT,
        data TEXT,
        created_at REAL NOT NULL
    );
    CREATE UNIQUE INDEX acp_events_run_seq ON acp_events(run_id, seq);
    CREATE INDEX acp_events_session ON acp_events(session_key, id);

    CREATE TABLE acp_delivery_checkpoint (
        run_id TEXT NOT NULL REFERENCES acp_runs(id) ON DELETE CASCADE,
        destination TEXT NOT NULL,
        last_seq INTEGER NOT NULL CHECK (last_seq >= 0),
        updated_at REAL NOT NULL,
        PRIMARY KEY (run_id, destination)
    ) WITHOUT ROWID;

    CREATE TABLE acp_idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in_progress', 'completed')),
        result TEXT,
        created_at REAL NOT NULL,
        completed_at REAL,
        PRIMARY KEY (scope, key)
    ) WITHOUT ROWID;
    CREATE INDEX acp_idempotency_created ON acp_idempotency(created_at);

    CREATE TABLE acp_permission_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_key TEXT NOT NULL REFERENCES acp_sessions(key) ON DELETE CASCADE,
        run_id TEXT NOT NULL REFERENCES acp_runs(id) ON DELETE CASCADE,
        tool_call_id TEXT NOT NULL,
        title TEXT NOT NULL,
        tool_kind TEXT,
        options TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'answered', 'timed_out', 'cancelled', 'auto', 'abandoned')),
        outcome TEXT,
        deadline REAL NOT NULL,
        created_at REAL NOT NULL,
        answered_at REAL
    );
    CREATE INDEX acp_permission_pending ON acp_permission_requests(session_key) WHERE state = 'pending';

    CREATE TABLE channel_cursors (
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        cursor TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (channel, account_id)
    ) WITHOUT ROWID;

    CREATE TABLE pairing_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        display_name TEXT,
        conversation_id TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied')),
        created_at REAL NOT NULL,
        decided_at REAL,
        decided_by TEXT,
        UNIQUE (channel, account_id, sender_id)
    );
    """

    /// v2: the messages acpd delivered to conversations of channels whose outbound lives in the
    /// store (the `http` channel, CONTRACT.md §7). `seq` is assigned at the first send and never
    /// reused (AUTOINCREMENT); an edit keeps it. `run_id` has no foreign key: a message outlives
    /// the purge of its run.
    private static let v2 = """
    CREATE TABLE channel_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        account_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        run_id TEXT,
        text TEXT NOT NULL,
        final INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE UNIQUE INDEX channel_messages_id ON channel_messages(channel, account_id, conversation_id, message_id);
    CREATE INDEX channel_messages_conversation ON channel_messages(channel, account_id, conversation_id, seq);
    CREATE INDEX channel_messages_run ON channel_messages(run_id) WHERE run_id IS NOT NULL;
    """

    /// v3: retention (`store.retention`, `StorePruner`). `events_pruned` marks a finished run
    /// whose events retention deleted (the run itself stays until `runsDays`); the partial index
    /// lists the finished runs whose events are still there, oldest first, so a pruning batch
    /// finds its work without scanning what was pruned before. `acp_bindings_conversation` serves
    /// the binding lookup of every inbound message (by conversation, any source), which scanned
    /// the whole table before (1.4 ms of each message's path with 10,000 bindings).
    private static let v3 = """
    ALTER TABLE acp_runs ADD COLUMN events_pruned INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX acp_runs_events_kept ON acp_runs(ended_at) WHERE ended_at IS NOT NULL AND events_pruned = 0;
    CREATE INDEX acp_bindings_conversation ON acp_bindings(channel, account_id, conversation_id) WHERE ended_at IS NULL;
    """
}
