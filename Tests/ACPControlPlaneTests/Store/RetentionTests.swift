import Foundation
import Testing
import TestSupport
@testable import ACPControlPlane

/// Runs of a fixture store placed in time: finished (and delivered or not) or still running.
private extension StoreFixture {
    static let day = 86_400.0

    /// A fixture session in a store opened elsewhere (a manager's).
    init(existing store: ControlPlaneStore, key: String) throws {
        self.store = store
        self.key = SessionKey(key)!
        let record = SessionRecord(key: self.key, agentId: "demo", cwd: "/tmp", backend: "stdio")
        try store.write { db in try SessionTables.insert(db, record) }
    }

    /// A run that started `daysAgo` days ago with `events` text events; finished (terminal event
    /// last) unless `running`; delivered up to its end when `delivered`.
    func addRun(daysAgo: Double, events: Int, running: Bool = false, delivered: Bool = true) throws -> RunID {
        let id = RunID()
        let time = Date().timeIntervalSince1970 - daysAgo * Self.day
        let text = String(repeating: "agent output of some length, as a delta would carry it. ", count: 4)
        try store.write { db in
            _ = try RunTables.insert(db, id: id, key: key, lane: .normal, conversation: conversation, prompt: [.text("hi")],
                                     at: time, startedAt: time)
            var pending = (1...events).map { seq in
                EventLog.Pending(sessionKey: key, runId: id, seq: Int64(seq), payload: .text(TextDelta(stream: .output, text: text)))
            }
            if !running {
                pending.append(EventLog.Pending(sessionKey: key, runId: id, seq: Int64(events + 1), payload: .completed(stopReason: "end_turn")))
                try RunTables.markEnded(db, id: id, .completed, at: time + 1)
            }
            _ = try EventLog.append(db, pending, at: time)
            let deliveredSeq = delivered ? Int64(pending.count) : Int64(events / 2)
            _ = try DeliveryCheckpoints.advance(db, run: id, destination: conversation.canonical, to: deliveredSeq, at: time)
            try db.execute(sql: """
                INSERT INTO channel_messages (channel, account_id, conversation_id, message_id, kind, run_id, text, final, created_at, updated_at)
                VALUES ('http', 'default', 'conv-1', ?, 'output', ?, 'shown', 1, ?, ?)
                """, arguments: [id.rawValue, id.rawValue, time, time])
        }
        return id
    }

    func count(_ sql: String, _ run: RunID) throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: sql, arguments: [run.rawValue]) ?? -1 }
    }

    /// The database file's size once the WAL is copied into it and truncated.
    func checkpointedFileBytes() throws -> Int64 {
        try store.truncateWAL()
        return try store.size().fileBytes
    }
}

@Suite("Store retention", .serialized)
struct RetentionTests {
    @Test func aStoreOfOldEventsShrinksOnItsOwnAndKeepsActiveUndeliveredAndRecentRuns() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            #expect(try fixture.store.read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") } == 2)
            // Past runsDays (30): deleted whole. Past eventsDays (2) only: events deleted, run kept.
            let ancient = try (0..<10).map { _ in try fixture.addRun(daysAgo: 60, events: 2000) }
            let old = try (0..<10).map { _ in try fixture.addRun(daysAgo: 5, events: 2000) }
            // Never touched: running for 60 days, finished but undelivered, recent.
            let running = try fixture.addRun(daysAgo: 60, events: 500, running: true)
            let undelivered = try fixture.addRun(daysAgo: 60, events: 500, delivered: false)
            let recent = try fixture.addRun(daysAgo: 0.5, events: 500)
            let before = try fixture.checkpointedFileBytes()
            #expect(before > 8_000_000)

            let pruner = StorePruner(store: fixture.store, retention: StoreRetention(eventsDays: 2, runsDays: 30), interval: 3600,
                                     maxEventsPerStep: 1000, pause: 0.001, idleFactor: 0)
            try pruner.start()
            defer { pruner.stop() }
            try await withDeadline(60, "the first retention pass") {
                while pruner.progress.passes == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            let pass = pruner.progress.last
            #expect(pass.deleted.runs == 10)
            #expect(pass.deleted.runsEmptied == 10)
            #expect(pass.deleted.channelMessages == 10)
            #expect(pass.deleted.events == 20 * 2001)
            #expect(pass.reclaimedPages > 0)
            let after = try fixture.checkpointedFileBytes()
            #expect(after < before / 5, "\(before) -> \(after) bytes")
            #expect(try fixture.store.size().freePages == 0)

            for run in ancient {
                #expect(try fixture.store.run(run) == nil)
                #expect(try fixture.count("SELECT COUNT(*) FROM acp_events WHERE run_id = ?", run) == 0)
                #expect(try fixture.count("SELECT COUNT(*) FROM acp_delivery_checkpoint WHERE run_id = ?", run) == 0)
                #expect(try fixture.count("SELECT COUNT(*) FROM channel_messages WHERE run_id = ?", run) == 0)
            }
            for run in old {
                #expect(try fixture.store.run(run)?.state == .completed)
                #expect(try fixture.store.events(run: run).isEmpty)
                #expect(try fixture.count("SELECT COUNT(*) FROM channel_messages WHERE run_id = ?", run) == 1)
            }
            #expect(try fixture.store.events(run: running).count == 500)
            #expect(try fixture.store.run(running)?.state == .running)
            #expect(try fixture.store.events(run: undelivered).count == 501)
            #expect(try fixture.store.pendingDeliveries().map(\.run.id) == [undelivered])
            #expect(try fixture.store.events(run: recent).count == 501)
            // A second pass finds nothing.
            #expect(pruner.runPass() == StorePruner.Pass())
            // A reloaded retention applies to the next pass: with eventsDays 0 the recent run's
            // events (half a day old) go too.
            pruner.update(StoreRetention(eventsDays: 0, runsDays: 30))
            #expect(pruner.runPass().deleted.events == 501)
            #expect(try fixture.store.events(run: recent).isEmpty)
            #expect(try fixture.store.integrityProblems().isEmpty)
        }
    }

    @Test func aStoreMadeBeforeRetentionIsSwitchedToIncrementalVacuumOnOpen() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent(ControlPlaneStore.fileName).path
            // A store as an earlier acpd made it: schema v2, no auto_vacuum.
            let old = try Database(path: path, mode: .create, busyTimeoutMilliseconds: 1000)
            try old.execute(sql: "PRAGMA journal_mode = WAL")
            let pool = try ConnectionPool(path: path, configuration: .init())
            try Schema.migrator.migrate(pool, upTo: 2)
            pool.close()
            #expect(try Int.fetchOne(old, sql: "PRAGMA auto_vacuum") == 0)
            old.close()
            let store = try ControlPlaneStore.open(stateDir: dir, integrity: .full)
            #expect(try store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") } == 2)
            #expect(try store.schemaVersion() == Schema.currentVersion)
            try store.close()
            let reopened = try Database(path: path, mode: .readOnly, busyTimeoutMilliseconds: 1000)
            defer { reopened.close() }
            #expect(try Int.fetchOne(reopened, sql: "PRAGMA auto_vacuum") == 2)
        }
    }

    @Test func sessionsKeepRunningWhilePruningRuns() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let fixture = try StoreFixture(existing: h.store, key: "agent:demo:acp:old-history")
            let ancient = try (0..<10).map { _ in try fixture.addRun(daysAgo: 100, events: 500) }
            // The daemon's pacing (rests 19× as long as each transaction took).
            let pruner = StorePruner(store: h.store, retention: StoreRetention(), interval: 3600, maxEventsPerStep: 200)
            let (key, collector) = try await h.makeSession()
            try pruner.start()
            defer { pruner.stop() }
            var runs: [RunID] = []
            for index in 0..<15 {
                let run = try await h.submit(key, "[chunks=20] turn \(index)")
                #expect(try await collector.terminal(of: run) == .completed(stopReason: "end_turn"))
                runs.append(run)
            }
            try await withDeadline(60, "the retention pass") {
                while pruner.progress.passes == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(pruner.progress.last.deleted.runs == ancient.count)
            for (index, run) in runs.enumerated() {
                #expect(collector.text(of: run).hasSuffix("turn \(index)"))
                let stored = try h.store.events(run: run)
                #expect(stored.map(\.seq) == Array(1...Int64(stored.count)))
                #expect(stored.map(\.payload) == collector.events(of: run).map(\.payload))
            }
            for run in ancient { #expect(try h.store.run(run) == nil) }
        }
    }
}
