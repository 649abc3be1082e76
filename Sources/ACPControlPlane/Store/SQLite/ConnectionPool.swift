/// The connections of one database file in WAL mode: one writer, serialised by a lock, and a
/// small pool of read-only readers, so reads never wait for the writer (each read sees the
/// last commit before it began).
///
/// Every call is synchronous and blocks its thread while it waits for a connection. Thread-safe.
final class ConnectionPool: @unchecked Sendable {
    /// How connections are set up.
    struct Configuration {
        /// Open only readers (no writer, no file creation).
        var readOnly = false
        /// How long a connection waits for another process's lock before `SQLITE_BUSY`.
        var busyTimeoutMilliseconds: Int32 = 5000
        /// At most this many reader connections exist at once.
        var maximumReaders = 4
        /// Runs once on the writer after it opened, before WAL is switched on (outside any transaction): pragmas.
        var prepareWriter: (Database) throws(SQLiteError) -> Void = { _ in }
        /// Runs once on each reader after it opened.
        var prepareReader: (Database) throws(SQLiteError) -> Void = { _ in }
    }

    let path: String
    private let configuration: Configuration
    /// The writer, guarded by `writerLock`; nil when read-only or closed.
    private var writer: Database?
    private let writerLock = ConditionLock()
    /// Idle readers and the reader count, guarded by `readerLock`.
    private var idleReaders: [Database] = []
    private var readerCount = 0
    private var closed = false
    private let readerLock = ConditionLock()

    /// Opens the writer (creating the file when missing, switching it to WAL) unless read-only,
    /// and one reader, so that a file that cannot be used fails here.
    init(path: String, configuration: Configuration) throws(SQLiteError) {
        self.path = path
        self.configuration = configuration
        if !configuration.readOnly {
            let writer = try Database(path: path, mode: .create, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
            // Before WAL: some pragmas (auto_vacuum) only take on a file that has nothing yet.
            try configuration.prepareWriter(writer)
            try writer.execute(sql: "PRAGMA journal_mode = WAL")
            self.writer = writer
        }
        let reader = try makeReader()
        readerCount = 1
        idleReaders = [reader]
    }

    private func makeReader() throws(SQLiteError) -> Database {
        let reader = try Database(path: path, mode: .readOnly, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        try configuration.prepareReader(reader)
        return reader
    }

    // MARK: Writing

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction on the writer: committed when it
    /// returns, rolled back when it (or the commit) throws. Writers run one at a time.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction { db in try db.inTransaction(.immediate, body) }
    }

    /// Runs `body` on the writer outside any transaction (pragmas, checkpoints, tests).
    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try writerLock.withLock { () throws -> T in
            guard let writer else {
                throw SQLiteError.misuse(configuration.readOnly ? "the store is open read-only" : "the store is closed")
            }
            return try body(writer)
        }
    }

    // MARK: Reading

    /// Runs `body` in a deferred transaction on a reader: one consistent snapshot, never
    /// blocked by the writer. Waits for a reader when all of them are busy.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        let reader = try checkOutReader()
        defer { checkIn(reader) }
        return try reader.inTransaction(.deferred, body)
    }

    private func checkOutReader() throws(SQLiteError) -> Database {
        let action: Result<Database?, SQLiteError> = readerLock.withLock {
            while true {
                if closed { return .failure(.misuse("the store is closed")) }
                if let reader = idleReaders.popLast() { return .success(reader) }
                if readerCount < configuration.maximumReaders {
                    readerCount += 1
                    return .success(nil)
                }
                readerLock.wait()
            }
        }
        switch action {
        case .failure(let error): throw error
        case .success(let reader?): return reader
        case .success(nil):
            // Opened outside the lock: opening takes a while and must not hold up other readers.
            do {
                return try makeReader()
            } catch {
                readerLock.withLock {
                    readerCount -= 1
                    readerLock.signalAll()
                }
                throw error
            }
        }
    }

    private func checkIn(_ reader: Database) {
        readerLock.withLock {
            if closed {
                reader.close()
                readerCount -= 1
            } else {
                idleReaders.append(reader)
            }
            readerLock.signalAll()
        }
    }

    // MARK: Closing

    /// Whether `close()` was called.
    var isClosed: Bool { readerLock.withLock { closed } }

    /// Closes every connection (a reader in use closes when its read ends). Later calls fail.
    func close() {
        readerLock.withLock {
            closed = true
            for reader in idleReaders { reader.close() }
            readerCount -= idleReaders.count
            idleReaders.removeAll()
            readerLock.signalAll()
        }
        writerLock.withLock {
            writer?.close()
            writer = nil
        }
    }
}
