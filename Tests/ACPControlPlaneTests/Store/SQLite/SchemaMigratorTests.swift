@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// The user_version migrator, and stores written by acpd's earlier GRDB-based layer.
@Suite("SQLite layer: migrations")
struct SchemaMigratorTests {
    private static func migrator(failingAt failing: Int? = nil) -> SchemaMigrator {
        var migrator = SchemaMigrator()
        migrator.register("v1") { db in try db.execute(sql: "CREATE TABLE a (x INTEGER)") }
        migrator.register("v2") { db in try db.execute(sql: "CREATE TABLE b (y INTEGER)") }
        migrator.register("v3") { db in
            try db.execute(sql: "CREATE TABLE c (z INTEGER)")
            if failing == 3 { try db.execute(sql: "THIS IS NOT SQL") }
        }
        return migrator
    }

    private static func tables(_ pool: ConnectionPool) throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
    }

    @Test func aFreshFileGetsEveryMigrationAndItsVersion() async throws {
        try await withTestPool { pool, _ in
            try Self.migrator().migrate(pool)
            #expect(try Self.tables(pool) == ["a", "b", "c"])
            #expect(try pool.read { db in try SchemaMigrator.version(db) } == 3)
            // Running again applies nothing (a re-run would fail: the tables exist).
            try Self.migrator().migrate(pool)
        }
    }

    @Test func anOlderFileGetsOnlyTheMissingMigrations() async throws {
        try await withTestPool { pool, _ in
            try Self.migrator().migrate(pool, upTo: 1)
            #expect(try Self.tables(pool) == ["a"])
            #expect(try pool.read { db in try SchemaMigrator.version(db) } == 1)
            try Self.migrator().migrate(pool)
            #expect(try Self.tables(pool) == ["a", "b", "c"])
        }
    }

    @Test func aFailedMigrationLeavesNoTraceAndKeepsTheVersion() async throws {
        try await withTestPool { (pool, _) throws in
            #expect(throws: SQLiteError.self) { try Self.migrator(failingAt: 3).migrate(pool) }
            #expect(try Self.tables(pool) == ["a", "b"])
            #expect(try pool.read { db in try SchemaMigrator.version(db) } == 2)
        }
    }

    @Test func aNewerFileIsSuperseded() async throws {
        try await withTestPool { pool, _ in
            try Self.migrator().migrate(pool)
            #expect(try pool.read { db in try Self.migrator().hasBeenSuperseded(db) } == false)
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 4") }
            #expect(try pool.read { db in try Self.migrator().hasBeenSuperseded(db) })
        }
    }

    /// `Fixtures/store-v2-grdb.sqlite` was written by acpd with its GRDB store (commit 5d46520):
    /// the crash host spawned a session bound to http conversation `conv-fixture`, and ran one
    /// prompt through the demo agent to the end, delivered (see the fixture's README line in
    /// docs/control-plane.md).
    @Test func aStoreWrittenByTheGRDBLayerOpensAndReadsBack() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = TestPaths.repoRoot.appendingPathComponent("Tests/ACPControlPlaneTests/Fixtures/store-v2-grdb.sqlite")
            try FileManager.default.copyItem(at: fixture, to: dir.appendingPathComponent(ControlPlaneStore.fileName))
            let store = try ControlPlaneStore.open(stateDir: dir, integrity: .full)
            #expect(try store.schemaVersion() == ControlPlaneStore.supportedSchemaVersion)
            let key = try SessionKey.parse("agent:demo:acp:f4d8aac0-8602-49e9-9351-cc13e34f3206")
            let session = try #require(try store.session(key))
            #expect(session.state == .idle && session.agentId == "demo" && session.backend == "stdio")
            #expect(session.agentSessionId == "demo-bd5cd368-7075-4d86-a74d-572ffcc651ac")
            let conversation = ConversationRef(channel: .http, conversationId: "conv-fixture")
            let bindings = try store.activeBindings(for: conversation)
            #expect(bindings.map(\.sessionKey) == [key] && bindings.first?.source == .runtime)
            let runs = try store.runs(session: key)
            let run = try #require(runs.first)
            #expect(runs.count == 1 && run.state == .completed && run.stopReason == "end_turn")
            #expect(run.prompt == [.text("héllo wörld ✓")])
            #expect(run.conversation == conversation)
            let events = try store.events(run: run.id)
            #expect(events.map(\.seq) == [1, 2, 3, 4, 5])
            #expect(events.map(\.payload.kind) == ["run_started", "text", "text", "text", "completed"])
            let text = events.compactMap { event -> String? in
                if case .text(let delta) = event.payload { return delta.text }
                return nil
            }.joined()
            #expect(text == "echo: héllo wörld ✓")
            #expect(try store.checkpoint(run: run.id, destination: conversation.canonical) == 5)
            #expect(try store.pendingDeliveries().isEmpty)
            let replay = try store.reserve(IdempotencyKey(scope: "http:default", key: "idem-2"), ttl: 1e10)
            guard case .completed(let result) = replay else { Issue.record("expected a stored result, got \(replay)"); return }
            #expect(result.contains(run.id.rawValue))
            // It takes new writes, and GRDB's migration table is left as it was.
            _ = try store.appendChannelMessage(to: conversation, kind: "reply", runId: run.id, text: "after", final: true)
            try store.close()
            let reopened = try ControlPlaneStore.open(stateDir: dir, integrity: .full)
            #expect(try reopened.channelMessages(in: conversation).map(\.text) == ["after"])
            #expect(try reopened.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
                    == ["v1", "v2"])
            try reopened.close()
        }
    }
}
