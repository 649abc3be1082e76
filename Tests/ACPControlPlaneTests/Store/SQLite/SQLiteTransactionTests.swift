@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// Statement caching, transactions, WAL concurrency and locking between connections.
@Suite("SQLite layer: statements and transactions")
struct SQLiteTransactionTests {
    private struct Boom: Error {}

    @Test func openingSetsWALAndThePragmasOfTheConfiguration() async throws {
        try await withTestPool { pool, _ in
            let (journal, foreignKeys, synchronous) = try pool.writeWithoutTransaction { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                 try Int.fetchOne(db, sql: "PRAGMA synchronous"))
            }
            #expect(journal == "wal")
            #expect(foreignKeys == 1)
            #expect(synchronous == 1)  // NORMAL
            // Readers are read-only connections.
            #expect(throws: SQLiteError.self) { try pool.read { db in try db.execute(sql: "CREATE TABLE nope (x)") } }
        }
    }

    @Test func aFileThatIsNotSQLiteFailsAtOpen() async throws {
        try await withTemporaryDirectoryURL { dir in
            let path = dir.appendingPathComponent("garbage").path
            try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SQLiteError.self) { try Database(path: path, mode: .readOnly, busyTimeoutMilliseconds: 10) }
            #expect(error?.resultCode == 26)  // SQLITE_NOTADB
        }
    }

    @Test func cachedStatementsAreReusedAndSurviveErrors() async throws {
        try await withTestPool { pool, _ in
            try pool.write { db in
                try db.execute(sql: "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
                let insert = try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?)")
                #expect(try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?)") === insert)
                try insert.execute(arguments: ["a", 1])
                #expect(throws: SQLiteError.self) { try insert.execute(arguments: ["a", 2]) }
                #expect(throws: SQLiteError.self) { try insert.execute(arguments: ["b"]) }
                try insert.execute(arguments: ["b", 2])
                // A half-read query is reset by the next use.
                let select = try db.cachedStatement(sql: "SELECT v FROM t ORDER BY k")
                #expect(try Int.fetchOne(select) == 1)
                #expect(try Int.fetchAll(select) == [1, 2])
            }
        }
    }

    @Test func writeCommitsWhenTheBodyReturnsAndRollsBackWhenItThrows() async throws {
        try await withTestPool { pool, _ in
            try pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER)") }
            let id = try pool.write { db in
                try db.execute(sql: "INSERT INTO t VALUES (1)")
                #expect(db.changesCount == 1)
                return db.lastInsertedRowID
            }
            #expect(id == 1)
            #expect(throws: Boom.self) {
                try pool.write { db in
                    try db.execute(sql: "INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            #expect(try pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t") } == [1])
            // The writer is usable again, outside any transaction.
            #expect(try pool.writeWithoutTransaction { db in db.isInsideTransaction } == false)
        }
    }

    @Test func readsDoNotWaitForALongWriteAndSeeTheLastCommit() async throws {
        try await withTestPool { pool, _ in
            try pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)") }
            let inWrite = TestFlag()
            let readDone = TestFlag()
            let writerDone = onThread {
                try? pool.write { db in
                    try db.execute(sql: "INSERT INTO t VALUES (2)")
                    inWrite.raise()
                    _ = readDone.wait()
                }
            }
            #expect(inWrite.wait())
            // The write transaction is open and holds the writer: a read still runs, on the last commit.
            #expect(try pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t ORDER BY x") } == [1])
            readDone.raise()
            #expect(writerDone.wait())
            #expect(try pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t ORDER BY x") } == [1, 2])
        }
    }

    @Test func concurrentReadersShareThePool() async throws {
        try await withTestPool(maximumReaders: 2) { pool, _ in
            try pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7)") }
            let flags = (0..<6).map { _ in
                onThread { for _ in 0..<50 { _ = try? pool.read { db in try Int.fetchOne(db, sql: "SELECT x FROM t") } } }
            }
            for flag in flags { #expect(flag.wait()) }
            #expect(try pool.read { db in try Int.fetchOne(db, sql: "SELECT x FROM t") } == 7)
        }
    }

    @Test func anotherWriterWaitsForTheBusyTimeoutThenFailsWithBusy() async throws {
        try await withTestPool { pool, path in
            try pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER)") }
            // A second pool on the same file stands for another process.
            let other = try ConnectionPool(path: path, configuration: testPoolConfiguration(busyTimeoutMilliseconds: 200))
            defer { other.close() }
            let inWrite = TestFlag()
            let release = TestFlag()
            let holder = onThread {
                try? pool.write { db in
                    try db.execute(sql: "INSERT INTO t VALUES (1)")
                    inWrite.raise()
                    _ = release.wait()
                }
            }
            #expect(inWrite.wait())
            let started = Date()
            let error = #expect(throws: SQLiteError.self) { try other.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") } }
            #expect(error?.resultCode == 5)  // SQLITE_BUSY
            #expect(Date().timeIntervalSince(started) >= 0.15)
            release.raise()
            #expect(holder.wait())
            // Once the lock is free, the other writer goes through.
            try other.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") }
            #expect(try pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t ORDER BY x") } == [1, 2])
        }
    }

    @Test func aClosedPoolRefusesWork() async throws {
        try await withTestPool { pool, _ in
            pool.close()
            #expect(throws: SQLiteError.self) { try pool.read { _ in 1 } }
            #expect(throws: SQLiteError.self) { try pool.write { _ in 1 } }
        }
    }
}

/// A temporary directory for a synchronous body.
private func withTemporaryDirectoryURL(_ body: (URL) throws -> Void) async throws {
    try await withTemporaryDirectory { dir in try body(dir) }
}
