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

    @Test func sessionEventsEndedBindingsAndClosedSessionsArePrunedButNeverWhatIsLiveOrLatest() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let now = Date().timeIntervalSince1970
            let day = 86_400.0
            try fixture.store.write { db in
                func session(_ key: String, state: String, closedDaysAgo: Double?) throws {
                    try db.execute(sql: """
                        INSERT INTO acp_sessions (key, agent_id, cwd, mode, backend, state, created_at, updated_at, last_activity_at, closed_at)
                        VALUES (?, 'demo', '/tmp', 'persistent', 'stdio', ?, ?, ?, ?, ?)
                        """, arguments: [key, state, now - 100 * day, now - 100 * day, now - 100 * day, closedDaysAgo.map { now - $0 * day }])
                }
                func event(_ key: String, seq: Int, daysAgo: Double) throws {
                    try db.execute(sql: """
                        INSERT INTO acp_events (session_key, run_id, seq, kind, created_at) VALUES (?, NULL, ?, 'session_reset', ?)
                        """, arguments: [key, seq, now - daysAgo * day])
                }
                func binding(_ key: String, conversation: String, endedDaysAgo: Double?) throws {
                    try db.execute(sql: """
                        INSERT INTO acp_bindings (source, channel, account_id, conversation_id, session_key, created_at, last_activity_at, ended_at)
                        VALUES ('runtime', 'http', 'default', ?, ?, ?, ?, ?)
                        """, arguments: [conversation, key, now - 100 * day, now - 100 * day, endedDaysAgo.map { now - $0 * day }])
                }
                // Closed 60 days ago, no runs: goes, with its events and ended binding.
                try session("agent:demo:acp:gone", state: "closed", closedDaysAgo: 60)
                try event("agent:demo:acp:gone", seq: 1, daysAgo: 61)
                try binding("agent:demo:acp:gone", conversation: "c-gone", endedDaysAgo: 60)
                // Closed 60 days ago but still has an active binding (should not happen; kept anyway).
                try session("agent:demo:acp:held", state: "closed", closedDaysAgo: 60)
                try binding("agent:demo:acp:held", conversation: "c-held", endedDaysAgo: nil)
                // Closed recently: kept.
                try session("agent:demo:acp:recent", state: "closed", closedDaysAgo: 5)
                // Open: its old session events go but the latest; an old ended binding goes, the active one stays.
                try session("agent:demo:acp:open", state: "idle", closedDaysAgo: nil)
                for seq in 1...5 { try event("agent:demo:acp:open", seq: seq, daysAgo: 40 - Double(seq)) }
                try binding("agent:demo:acp:open", conversation: "c-old", endedDaysAgo: 45)
                try binding("agent:demo:acp:open", conversation: "c-live", endedDaysAgo: nil)
            }
            // The fixture's own session has a run: closed or not, it stays.
            _ = try fixture.addRun(daysAgo: 1, events: 3)

            var total = PruneStep()
            while true {
                let step = try fixture.store.pruneStep(StoreRetention(eventsDays: 14, runsDays: 30), maxEvents: 2)
                if step.isEmpty { break }
                total.sessionEvents += step.sessionEvents
                total.bindings += step.bindings
                total.sessions += step.sessions
            }
            #expect(total.sessions == 1 && total.bindings == 2 && total.sessionEvents == 4, "\(total)")
            let keys = try fixture.store.read { db in try String.fetchAll(db, sql: "SELECT key FROM acp_sessions ORDER BY key") }
            #expect(!keys.contains("agent:demo:acp:gone") && keys.contains("agent:demo:acp:held") && keys.contains("agent:demo:acp:recent")
                    && keys.contains("agent:demo:acp:open") && keys.contains(fixture.key.rawValue), "\(keys)")
            let openEvents = try fixture.store.read { db in
                try Int.fetchAll(db, sql: "SELECT seq FROM acp_events WHERE session_key = 'agent:demo:acp:open' AND run_id IS NULL")
            }
            #expect(openEvents == [5], "the latest session event stays: \(openEvents)")
            let conversations = try fixture.store.read { db in
                try String.fetchAll(db, sql: "SELECT conversation_id FROM acp_bindings ORDER BY conversation_id")
            }
            #expect(conversations == ["c-held", "c-live"], "\(conversations)")
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
            #expect(try store.schemaVersion() == ControlPlaneStore.supportedSchemaVersion)
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
