import CSQLite
import CSQLiteWAL
#if canImport(Glibc)
import Glibc
#endif

/// One SQLite connection: opening with the store's settings, running SQL, the per-connection
/// statement cache, and transactions.
///
/// Not thread-safe: `ConnectionPool` hands each connection to one caller at a time (SQLite is
/// opened with `SQLITE_OPEN_NOMUTEX` for that reason).
///
/// `package` only as a type, so that the store's table helpers can be called from acpd-bench and
/// the tests inside a `write` transaction; its members stay internal: no other target runs SQL.
package final class Database {
    /// How the file is opened.
    enum OpenMode {
        /// Read-write, creating the file when missing.
        case create
        /// Read-write; the file must exist.
        case readWrite
        /// Read-only.
        case readOnly
    }

    /// `PRAGMA wal_checkpoint` modes.
    enum CheckpointMode {
        case passive, full, restart, truncate

        var code: Int32 {
            switch self {
            case .passive: SQLITE_CHECKPOINT_PASSIVE
            case .full: SQLITE_CHECKPOINT_FULL
            case .restart: SQLITE_CHECKPOINT_RESTART
            case .truncate: SQLITE_CHECKPOINT_TRUNCATE
            }
        }
    }

    let handle: OpaquePointer
    let path: String
    let isReadOnly: Bool
    private var statements: [String: Statement] = [:]
    private var isClosed = false

    /// Opens `path`. The connection waits up to `busyTimeoutMilliseconds` for a lock held by
    /// another connection before failing with `SQLITE_BUSY`. Fails with `SQLITE_NOTADB` (or
    /// another error) when the file is not a readable SQLite database.
    init(path: String, mode: OpenMode, busyTimeoutMilliseconds: Int32) throws(SQLiteError) {
        var flags = SQLITE_OPEN_NOMUTEX
        switch mode {
        case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var opened: OpaquePointer?
        let code = if let vfs = Self.vfs {
            vfs.withCString { sqlite3_open_v2(path, &opened, flags, $0) }
        } else {
            sqlite3_open_v2(path, &opened, flags, nil)
        }
        guard code == SQLITE_OK, let opened else {
            let error = SQLiteError(code: code, connection: opened)
            sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
        self.path = path
        isReadOnly = mode == .readOnly
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        // SQLite opens lazily: read the schema now so that a file that is not a database fails here.
        try execute(sql: "SELECT count(*) FROM sqlite_master")
    }

    deinit {
        close()
    }

    /// The VFS every connection opens with: "acpd-wal" (`CSQLiteWAL`: SQLite's default VFS, except
    /// that a WAL frame's header and page go out in one write instead of two), or the default one
    /// with `ACPD_SQLITE_JOIN_FRAMES=0` (to compare) or when it could not be registered.
    static let vfs: String? = {
        if let value = getenv("ACPD_SQLITE_JOIN_FRAMES"), String(cString: value) == "0" { return nil }
        return acpd_sqlite_wal_vfs().map { String(cString: $0) }
    }()

    /// How many WAL frames went out in one write (every connection of the process).
    static var joinedFrames: Int64 { Int64(acpd_sqlite_wal_joined_frames()) }

    /// Finalizes the cached statements and closes the connection (idempotent).
    func close() {
        guard !isClosed else { return }
        isClosed = true
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: Statements

    /// Prepares `sql` for one use (not cached).
    func makeStatement(sql: String) throws(SQLiteError) -> Statement {
        try prepare(sql, persistent: false)
    }

    /// The statement for `sql`, prepared on first use and kept for the connection's lifetime.
    /// Use it for fixed SQL on the hot path; SQL built from a variable number of items belongs
    /// in `makeStatement` or `execute`.
    func cachedStatement(sql: String) throws(SQLiteError) -> Statement {
        if let statement = statements[sql] { return statement }
        let statement = try prepare(sql, persistent: true)
        statements[sql] = statement
        return statement
    }

    private func prepare(_ sql: String, persistent: Bool) throws(SQLiteError) -> Statement {
        var prepared: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite3_prepare_v3(handle, sql, -1, flags, &prepared, nil)
        guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: handle, sql: sql) }
        guard let prepared else { throw .misuse("no SQL statement in the text", sql: sql) }
        return Statement(handle: prepared, sql: sql)
    }

    /// Runs `sql`, which may hold several statements separated by `;`. `arguments` are consumed
    /// in order by the statements' parameters; all of them must be used.
    func execute(sql: String, arguments: StatementArguments = []) throws(SQLiteError) {
        var remaining = arguments.values[...]
        var utf8 = Array(sql.utf8CString)
        try utf8.withUnsafeMutableBufferPointer { (buffer: inout UnsafeMutableBufferPointer<CChar>) throws(SQLiteError) in
            guard let base = buffer.baseAddress else { return }
            var cursor: UnsafePointer<CChar>? = UnsafePointer(base)
            while let current = cursor, current.pointee != 0 {
                var prepared: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let code = sqlite3_prepare_v2(handle, current, -1, &prepared, &tail)
                guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: handle, sql: sql) }
                cursor = tail
                // Whitespace or a comment: nothing to run.
                guard let prepared else { continue }
                let statement = Statement(handle: prepared, sql: String(cString: current))
                let count = Int(sqlite3_bind_parameter_count(prepared))
                guard remaining.count >= count else {
                    throw SQLiteError(resultCode: SQLITE_RANGE, message: "not enough statement arguments", sql: sql)
                }
                try statement.execute(arguments: StatementArguments(values: Array(remaining.prefix(count))))
                remaining = remaining.dropFirst(count)
            }
        }
        guard remaining.isEmpty else {
            throw SQLiteError(resultCode: SQLITE_RANGE, message: "\(remaining.count) statement arguments left unused", sql: sql)
        }
    }

    // MARK: State

    /// The rowid of the last row inserted on this connection.
    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// How many rows the last INSERT, UPDATE or DELETE on this connection changed.
    var changesCount: Int { Int(sqlite3_changes(handle)) }

    /// True between BEGIN and COMMIT/ROLLBACK.
    var isInsideTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// Runs `body` between `BEGIN <kind>` and `COMMIT`; rolls back when `body` or the commit
    /// throws, and rethrows.
    func inTransaction<T>(_ kind: TransactionKind, _ body: (Database) throws -> T) throws -> T {
        try cachedStatement(sql: kind.begin).execute()
        do {
            let result = try body(self)
            try cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return result
        } catch {
            if isInsideTransaction { try? cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
            throw error
        }
    }

    /// How a transaction takes its locks.
    enum TransactionKind {
        /// Takes the write lock at BEGIN (fails fast with BUSY rather than mid-transaction).
        case immediate
        /// Takes locks as statements need them: a read transaction sees one WAL snapshot.
        case deferred

        var begin: String {
            switch self {
            case .immediate: "BEGIN IMMEDIATE TRANSACTION"
            case .deferred: "BEGIN DEFERRED TRANSACTION"
            }
        }
    }

    // MARK: WAL

    /// Checkpoints the WAL into the database file (`sqlite3_wal_checkpoint_v2`).
    func checkpoint(_ mode: CheckpointMode) throws(SQLiteError) {
        let code = sqlite3_wal_checkpoint_v2(handle, nil, mode.code, nil, nil)
        guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: handle) }
    }
}
