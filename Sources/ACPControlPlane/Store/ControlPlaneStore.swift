#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The durable state of the control plane: `<stateDir>/acpd.sqlite`, SQLite in WAL mode through
/// the store's own `ConnectionPool` (concurrent readers, one serial writer), foreign keys on.
///
/// Opening verifies the file before touching it: a file that is not SQLite, fails the integrity
/// check, or carries a schema newer than this binary is refused with a `StoreError`; it is never
/// migrated over, repaired or replaced. Thread-safe: every method may be called from any task.
public final class ControlPlaneStore: Sendable {
    /// How thoroughly `open` checks the file.
    public enum IntegrityCheck: Sendable {
        /// `PRAGMA integrity_check`: everything, including index consistency (slow on big stores).
        case full
        /// `PRAGMA quick_check`: page and record structure, in linear time (the start-up default).
        case quick
        /// No check (tests and benchmarks that just created the file).
        case none
    }

    /// The file name under the state directory.
    public static let fileName = "acpd.sqlite"

    /// Path of the database file.
    public let path: String
    let pool: ConnectionPool
    /// Checkpoints the WAL off the write path (writable stores only).
    private let checkpointer: WALCheckpointer?
    /// The group commit of the events of streaming runs (`enqueueEvent`).
    let appender = EventAppender()
    /// Committed delivery checkpoints, so a repeat of one a channel already wrote costs nothing.
    let checkpointCache = CheckpointCache()
    /// The writer's automatic checkpoint threshold, in pages: only a safety net, as
    /// `WALCheckpointer` keeps the WAL far below it (SQLite's default is 1000).
    static let autoCheckpointPages = 10_000
    /// How long a connection waits for another process's lock before failing with SQLITE_BUSY.
    static let busyTimeoutMilliseconds: Int32 = 5000
    /// The clock used for every timestamp the store writes (injectable for tests).
    let now: @Sendable () -> Date

    /// Opens (creating it and its directory when missing) `<stateDir>/acpd.sqlite`.
    public static func open(stateDir: URL, integrity: IntegrityCheck = .quick,
                            now: @escaping @Sendable () -> Date = { Date() }) throws(StoreError) -> ControlPlaneStore {
        do {
            // The store holds prompts and agent output: a state dir acpd creates is 0700.
            if !FileManager.default.fileExists(atPath: stateDir.path) {
                try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw StoreError(.cannotOpen, path: stateDir.path, message: "cannot create the state directory: \(error)",
                             hint: "check stateDir in the config and the permissions of its parent")
        }
        return try ControlPlaneStore(path: stateDir.appendingPathComponent(fileName).path, integrity: integrity, now: now)
    }

    /// Opens (creating when missing) the database at `path`, verifies it, and applies pending migrations.
    public init(path: String, integrity: IntegrityCheck = .quick, readOnly: Bool = false,
                now: @escaping @Sendable () -> Date = { Date() }) throws(StoreError) {
        self.path = path
        self.now = now
        // Verify an existing file through a read-only connection first: a store that is refused
        // must not see a single write (not even a WAL checkpoint on close).
        if FileManager.default.fileExists(atPath: path) {
            let checker: Database
            do {
                checker = try Database(path: path, mode: .readOnly, busyTimeoutMilliseconds: Self.busyTimeoutMilliseconds)
            } catch {
                throw StoreError(.cannotOpen, path: path, message: "cannot open the store: \(Self.describe(error))",
                                 hint: "if this is not an acpd store, move it away; acpd never overwrites it")
            }
            defer { checker.close() }
            try Self.verify(checker, path: path, integrity: integrity)
        }
        var config = ConnectionPool.Configuration()
        config.readOnly = readOnly
        config.busyTimeoutMilliseconds = Self.busyTimeoutMilliseconds
        config.prepareWriter = { db throws(SQLiteError) in
            // A new file is incremental from its first page; an older one is converted below.
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(ControlPlaneStore.autoCheckpointPages)")
        }
        config.prepareReader = { db throws(SQLiteError) in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        if !readOnly { Self.restrictPermissions(path) }
        let pool: ConnectionPool
        do {
            pool = try ConnectionPool(path: path, configuration: config)
        } catch {
            throw StoreError(.cannotOpen, path: path, message: "cannot open the store: \(Self.describe(error))",
                             hint: "if this is not an acpd store, move it away; acpd never overwrites it")
        }
        self.pool = pool
        if !readOnly {
            do {
                try Schema.migrator.migrate(pool)
            } catch {
                throw StoreError(.migrationFailed, path: path, message: "schema migration failed: \(Self.describe(error))",
                                 hint: "restore the store from a backup or report the error; nothing was changed")
            }
            Self.enableIncrementalVacuum(pool)
            checkpointer = WALCheckpointer(path: path)
            appender.start { [weak self] in
                guard let self else { return false }
                self.flushQueuedEvents()
                return true
            }
        } else {
            checkpointer = nil
        }
    }

    deinit {
        appender.stop()
    }

    /// Retention gives freed pages back with `PRAGMA incremental_vacuum`, which needs
    /// `auto_vacuum = INCREMENTAL`. A new file has it from the start; a file made by an earlier
    /// acpd is converted once, here, by a `VACUUM` (it rewrites the file: 1.3 s for 234 MB
    /// here, before the daemon serves anything, and needs as much free disk as the file). When
    /// that fails (a full disk), the store is used as it is: retention still deletes and SQLite
    /// reuses the freed pages, but the file does not shrink until a later start converts it.
    static func enableIncrementalVacuum(_ pool: ConnectionPool) {
        try? pool.writeWithoutTransaction { db in
            guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 else { return }
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
        }
    }

    /// The database file is created (or kept) readable by its owner only (0600); SQLite gives
    /// the `-wal` and `-shm` files it creates the database file's mode, so they are 0600 too.
    private static func restrictPermissions(_ path: String) {
        #if canImport(Glibc)
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { _ = Glibc.close(fd) }
        #endif
        _ = chmod(path, 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            _ = chmod(path + suffix, 0o600)
        }
    }

    /// Closes the connections. Later calls fail; use it before handing the file to another process.
    public func close() throws {
        flushQueuedEvents()
        appender.stop()
        checkpointer?.stop()
        pool.close()
    }

    /// Whether `close()` was called (every later read and write fails).
    package var isClosed: Bool { pool.isClosed }

    /// Runs the full `PRAGMA integrity_check` and returns the problems found (empty when healthy).
    public func integrityProblems() throws(StoreError) -> [String] {
        do {
            return try pool.read { db in try Self.check(db, path: path, pragma: "integrity_check") }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, path: path, message: "read failed: \(Self.describe(error))", hint: "check the permissions of the state directory")
        }
    }

    /// The schema version stored in the file (`PRAGMA user_version`).
    public func schemaVersion() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
    }

    /// The schema version this binary writes.
    public static var supportedSchemaVersion: Int { Schema.currentVersion }

    private static func verify(_ db: Database, path: String, integrity: IntegrityCheck) throws(StoreError) {
        let pragma: String? = switch integrity {
        case .full: "integrity_check"
        case .quick: "quick_check"
        case .none: nil
        }
        if let pragma {
            let problems = try check(db, path: path, pragma: pragma)
            if !problems.isEmpty {
                throw StoreError(.corrupt, path: path,
                                 message: "the store failed \(pragma): \(problems.prefix(3).joined(separator: "; "))",
                                 hint: "stop acpd, keep the file for inspection, and restore a backup; acpd will not overwrite it")
            }
        }
        let (userVersion, superseded): (Int, Bool)
        do {
            (userVersion, superseded) = (try SchemaMigrator.version(db), try Schema.migrator.hasBeenSuperseded(db))
        } catch {
            throw StoreError(.cannotOpen, path: path, message: "cannot read the schema version: \(describe(error))",
                             hint: "if this is not an acpd store, move it away; acpd never overwrites it")
        }
        if userVersion > Schema.currentVersion || superseded {
            throw StoreError(.newerSchema, path: path,
                             message: "the store has schema version \(userVersion), newer than this acpd supports (\(Schema.currentVersion))",
                             hint: "run the acpd version that wrote it, or point stateDir at another directory")
        }
    }

    private static func check(_ db: Database, path: String, pragma: String) throws(StoreError) -> [String] {
        do {
            let rows = try String.fetchAll(db, sql: "PRAGMA \(pragma)")
            return rows == ["ok"] ? [] : rows
        } catch {
            throw StoreError(.corrupt, path: path, message: "\(pragma) could not run: \(describe(error))",
                             hint: "stop acpd, keep the file for inspection, and restore a backup; acpd will not overwrite it")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? SQLiteError { return error.message }
        return "\(error)"
    }

    // MARK: - Access

    /// Runs `body` in one write transaction (committed when it returns, rolled back when it throws).
    /// `ACPError`s thrown by `body` pass through unchanged; database failures become `StoreError(.io)`.
    /// Events queued by `enqueueEvent` are appended first, in the same transaction (see
    /// `EventAppender.commit(_:with:on:)`), so a run's terminal event always follows its deltas.
    package func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                try EventAppender.commit(appender.takeAll(), with: body, on: db)
            }
        } catch let error as ACPError {
            throw error
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, path: path, message: "write failed: \(Self.describe(error))", hint: "check disk space and permissions of the state directory")
        }
    }

    /// Queues an event for the next group commit (see `EventAppender`): it is committed by the
    /// writer thread, or by the next write of anyone, then handed to `sink`. Never blocks on the
    /// database (unless the writer thread could not start: then it is committed here).
    package func enqueueEvent(_ event: EventLog.Pending, conversation: ConversationRef?, at time: Double, sink: any EventAppendSink) {
        let entry = EventAppender.Entry(pending: event, conversation: conversation, time: time, sink: sink)
        if !appender.enqueue(entry) { flushQueuedEvents() }
    }

    /// Appends `delta` to the run's last queued event when that is still waiting and a text delta
    /// of the same stream and message (see `EventAppender.extendQueuedText`); false otherwise.
    func extendQueuedText(run: RunID, with delta: TextDelta) -> Bool {
        appender.extendQueuedText(run: run, with: delta)
    }

    /// Commits the queued events now, on the calling thread (the writer thread's work; also before closing).
    package func flushQueuedEvents() {
        guard !appender.isEmpty else { return }
        do {
            try pool.writeWithoutTransaction { db in EventAppender.commit(appender.takeAll(), on: db) }
        } catch {
            // The store is closed: the queued events are reported to their sinks as lost.
            for entry in appender.takeAll() { entry.sink.appendFailed(entry.pending, error: error) }
        }
    }

    /// Runs `body` on a read-only snapshot.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError(.io, path: path, message: "read failed: \(Self.describe(error))", hint: "check the permissions of the state directory")
        }
    }

    package var timestamp: Double { now().timeIntervalSince1970 }
}
