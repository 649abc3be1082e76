@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// The WAL is checkpointed by the store's own thread, not by the write that crosses SQLite's
/// automatic threshold.
struct WALCheckpointerTests {
    private static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
    }

    @Test("committed pages reach the database file with no automatic checkpoint due")
    func backgroundCheckpoint() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore.open(stateDir: dir, integrity: .none)
            let before = Self.size(store.path)
            // ~800 KB: about 200 pages, far below the writer's automatic threshold.
            try store.write { db in
                try db.execute(sql: "CREATE TABLE filler (blob BLOB)")
                for _ in 0..<200 { try db.execute(sql: "INSERT INTO filler VALUES (zeroblob(4000))") }
            }
            #expect(ControlPlaneStore.autoCheckpointPages >= 10 * 200)
            try await withDeadline(10, "the pages are checkpointed into the database file") {
                while Self.size(store.path) < before + 700_000 { try await Task.sleep(for: .milliseconds(20)) }
            }
            let autoCheckpoint = try store.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
            #expect(autoCheckpoint == ControlPlaneStore.autoCheckpointPages)
            try store.close()
        }
    }

    @Test("closing the store stops the checkpointer, which closes its connection")
    func stopsPromptlyOnClose() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore.open(stateDir: dir, integrity: .none)
            try store.setCursor("1", channel: .telegram, accountId: "default")
            let wal = store.path + "-wal"
            #expect(FileManager.default.fileExists(atPath: wal))
            try store.close()
            // SQLite removes the WAL when the last connection to the file closes: the writer and
            // readers close in `close()`, the checkpointer's own connection when its thread ends.
            try await withDeadline(20, "the checkpointer's connection is closed") {
                while FileManager.default.fileExists(atPath: wal) { try await Task.sleep(for: .milliseconds(20)) }
            }
        }
    }
}
