@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// The store's VFS ("acpd-wal", `Sources/CSQLiteWAL`) writes a WAL frame's 24-byte header and its
/// page in one call. What it writes must be the WAL SQLite would have written: a copy of the
/// database and its WAL without the `-shm` index makes SQLite rebuild the index from the WAL,
/// checking every frame's checksum, and a frame that is wrong ends the log there (the commits
/// after it, and it, are not seen).
@Suite("WAL frames joined", .serialized)
struct WALJoinedFramesTests {
    @Test("frames go out header and page together, and the WAL recovers whole without its index")
    func joinedFramesRecover() async throws {
        try #require(Database.vfs == "acpd-wal", "the store's VFS is in use")
        try await withTestPool { pool, path in
            try pool.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)") }
            let before = Database.joinedFrames
            for index in 0..<40 {
                try pool.write { db in
                    try db.execute(sql: "INSERT INTO t (id, body) VALUES (?, randomblob(?))", arguments: [index, 500 + index * 100])
                }
            }
            #expect(Database.joinedFrames - before >= 40, "each commit's frames were joined")
            try expectRecoveredCopy(of: path, rows: 40)
        }
    }

    /// With a tiny page cache a big transaction spills pages into the WAL before its commit and
    /// writes some of them again at the commit; SQLite then rewrites the checksums of the frames
    /// after the first rewritten one, header by header, and nothing may follow the last of those
    /// headers before the commit is visible. They are not held.
    @Test("a transaction that writes pages twice (checksums rewritten at its commit) recovers whole")
    func rewrittenChecksumsRecover() async throws {
        try await withTestPool { pool, path in
            try pool.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)") }
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = 2") }
            for round in 0..<3 {
                try pool.write { db in
                    for index in 0..<60 {
                        try db.execute(sql: "INSERT INTO t (id, body) VALUES (?, randomblob(?))",
                                       arguments: [round * 100 + index, 300 + round * 50 + index])
                    }
                    try db.execute(sql: "UPDATE t SET body = randomblob(700) WHERE id % 3 = ?", arguments: [round])
                }
            }
            // Every round's rows: the last commit's too (a stale checksum would end the log before it).
            try expectRecoveredCopy(of: path, rows: 180)
        }
    }

    /// Copies the database and its WAL (not the index) and checks that the copy holds `rows` rows
    /// and passes the integrity check: the WAL's frames were all valid.
    private func expectRecoveredCopy(of path: String, rows: Int) throws {
        let source = URL(fileURLWithPath: path)
        let copyDirectory = source.deletingLastPathComponent().appendingPathComponent("copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copyDirectory, withIntermediateDirectories: true)
        let copy = copyDirectory.appendingPathComponent("copy.sqlite")
        let wal = URL(fileURLWithPath: path + "-wal")
        #expect((try FileManager.default.attributesOfItem(atPath: wal.path)[.size] as? Int ?? 0) > 4096, "the commits are in the WAL")
        try FileManager.default.copyItem(at: source, to: copy)
        try FileManager.default.copyItem(at: wal, to: URL(fileURLWithPath: copy.path + "-wal"))
        let reader = try Database(path: copy.path, mode: .readWrite, busyTimeoutMilliseconds: 1000)
        defer { reader.close() }
        #expect(try Int.fetchOne(reader, sql: "SELECT count(*) FROM t") == rows)
        #expect(try String.fetchOne(reader, sql: "PRAGMA integrity_check") == "ok")
    }
}
