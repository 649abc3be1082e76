@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

@Suite("Session manager with the demo agent", .serialized)
struct SessionManagerTests {
    @Test func spawnBindsRunsTheFirstPromptAndStoresEverything() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let new = h.newSession(label: "first")
            let collector = EventCollector(h.manager.subscribe(new.key))
            let result = try await h.manager.spawn(new, binding: NewBinding(source: .runtime, conversation: h.conversation),
                                                   firstPrompt: [.text("hello")], conversation: h.conversation)
            let run = try #require(result.firstRun)
            #expect(try await collector.terminal(of: run) == .completed(stopReason: "end_turn"))
            #expect(collector.text(of: run) == "echo: hello")
            let seqs = collector.events(of: run).map(\.seq)
            #expect(seqs == Array(1...Int64(seqs.count)))
            #expect(collector.events(of: run).allSatisfy { $0.conversation == h.conversation })
            let session = try #require(try h.store.session(new.key))
            #expect(session.state == .idle)
            #expect(session.label == "first")
            #expect(session.agentSessionId?.hasPrefix("demo-") == true)
            #expect(try h.store.bindings(session: new.key).map(\.conversation) == [h.conversation])
            #expect(try h.store.run(run)?.state == .completed)
            #expect(try h.store.events(run: run).map(\.payload) == collector.events(of: run).map(\.payload))
        }
    }

    @Test func runsOfOneSessionStartInSubmissionOrderOneAtATime() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            var runs: [RunID] = []
            for index in 0..<5 { runs.append(try await h.submit(key, "[delay=10][chunks=2] n\(index)")) }
            for run in runs { try await collector.terminal(of: run) }
            let starts = collector.events.filter { $0.payload == .runStarted }.compactMap(\.runId)
            #expect(starts == runs)
            // One at a time: every run ends before the next one starts.
            var running: RunID?
            for event in collector.events {
                if event.payload == .runStarted {
                    #expect(running == nil)
                    running = event.runId
                } else if event.payload.isTerminal {
                    #expect(running == event.runId)
                    running = nil
                }
            }
            for (index, run) in runs.enumerated() { #expect(collector.text(of: run).hasSuffix(" n\(index)")) }
        }
    }

    @Test func aRunThatStartsAtOnceIsStoredRunningAndALaterOneQueued() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let hung = try await h.submit(key, "[hang]")
            let queued = try await h.submit(key, "next")
            // The first run was inserted running (one transaction with the session's new state).
            let first = try #require(try h.store.run(hung))
            #expect(first.state == .running && first.startedAt == first.submittedAt)
            let session = try #require(try h.store.session(key))
            #expect(session.state == .running)
            #expect(session.lastActivityAt.timeIntervalSince1970 >= first.submittedAt.timeIntervalSince1970)
            #expect(session.updatedAt >= first.submittedAt)
            let second = try #require(try h.store.run(queued))
            #expect(second.state == .queued && second.startedAt == nil && second.ordinal == first.ordinal + 1)
            _ = try await h.manager.cancel(key)
            #expect(try await collector.terminal(of: hung) == .cancelled)
            #expect(try await collector.terminal(of: queued) == .cancelled)
        }
    }

    @Test func differentSessionsRunInParallel() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (slow, slowEvents) = try await h.makeSession()
            let (fast, fastEvents) = try await h.makeSession()
            let hung = try await h.submit(slow, "[hang]")
            try await slowEvents.wait("hang started") { $0.contains { $0.runId == hung && $0.payload == .runStarted } }
            let quick = try await h.submit(fast, "quick")
            #expect(try await fastEvents.terminal(of: quick) == .completed(stopReason: "end_turn"))
            #expect(try h.store.run(hung)?.state == .running)
            let outcome = try await h.manager.cancel(slow)
            #expect(outcome.activeRun == hung)
            #expect(try await slowEvents.terminal(of: hung) == .cancelled)
        }
    }

    @Test func cancelStopsTheActiveRunAndTheCallersQueuedRunsOnly() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let other = ConversationRef(channel: .http, conversationId: "conv-b")
            let hung = try await h.submit(key, "[hang]")
            let mine = try await h.submit(key, "mine")
            let theirs = try await h.submit(key, "theirs", from: other)
            try await collector.wait("hang started") { $0.contains { $0.runId == hung && $0.payload == .runStarted } }
            let outcome = try await h.manager.cancel(key, conversation: h.conversation)
            #expect(outcome.activeRun == hung)
            #expect(outcome.queuedRuns == [mine])
            #expect(try await collector.terminal(of: hung) == .cancelled)
            #expect(try await collector.terminal(of: mine) == .cancelled)
            #expect(try await collector.terminal(of: theirs) == .completed(stopReason: "end_turn"))
            #expect(collector.text(of: theirs) == "echo: theirs")
            #expect(try h.store.run(mine)?.state == .cancelled)
            #expect(try h.store.session(key)?.state == .idle)
        }
    }

    @Test func cancelOnAnIdleSessionIsNothingAndStartsNoRuntime() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, _) = try await h.makeSession()
            let outcome = try await h.manager.cancel(key, conversation: h.conversation)
            #expect(outcome.isNothing)
            #expect(await h.manager.liveRuntimes() == 0)
            #expect(try h.store.session(key)?.state == .idle)
        }
    }

    @Test func steerGoesAheadOfQueuedPrompts() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let hung = try await h.submit(key, "[hang]")
            let first = try await h.submit(key, "first")
            let second = try await h.submit(key, "second")
            let steered = try await h.manager.steer(key, prompt: [.text("steered")], from: h.conversation)
            #expect(steered.position == 1)
            try await collector.wait("hang started") { $0.contains { $0.runId == hung && $0.payload == .runStarted } }
            // Stop only the running turn: cancel with a conversation that queued nothing.
            _ = try await h.manager.cancel(key, conversation: ConversationRef(channel: .http, conversationId: "nobody"))
            try await collector.terminal(of: second)
            let starts = collector.events.filter { $0.payload == .runStarted }.compactMap(\.runId)
            #expect(starts == [hung, steered.runId, first, second])
        }
    }

    /// A store that refuses a run's end (here a trigger standing for a full disk: the write of
    /// the run's end fails, everything else works) holds the run open and the next one queued;
    /// once the store takes writes again the end is recorded, delivered and the next run starts.
    /// Before, the end was logged and dropped: the run stayed `running` in the store with no
    /// terminal event, the conversation never got its final answer, and the session was stuck.
    @Test func aRunsEndThatTheStoreRefusesIsRecordedOnceItTakesWritesAgain() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let warm = try await h.submit(key, "warm up")
            #expect(try await collector.terminal(of: warm) == .completed(stopReason: "end_turn"))
            try h.store.write { db in
                try db.execute(sql: "CREATE TABLE test_refuse_run_end (x)")
                try db.execute(sql: "INSERT INTO test_refuse_run_end VALUES (1)")
                try db.execute(sql: """
                    CREATE TRIGGER test_refuse_run_end BEFORE UPDATE OF ended_at ON acp_runs
                    WHEN NEW.ended_at IS NOT NULL AND EXISTS (SELECT 1 FROM test_refuse_run_end)
                    BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END
                    """)
            }
            let refused = try await h.submit(key, "[chunks=3] refused")
            let queued = try await h.submit(key, "queued")
            try await collector.wait("the refused run's text") { events in
                events.contains { event in if event.runId == refused, case .text = event.payload { return true } else { return false } }
            }
            try await Task.sleep(for: .milliseconds(800))
            #expect(collector.events(of: refused).allSatisfy { !$0.payload.isTerminal }, "no end while the store refuses it")
            #expect(try h.store.run(refused)?.state == .running)
            #expect(try h.store.run(queued)?.state == .queued, "the next run waits for the end")
            try h.store.write { db in try db.execute(sql: "DELETE FROM test_refuse_run_end") }
            #expect(try await collector.terminal(of: refused) == .completed(stopReason: "end_turn"))
            #expect(collector.text(of: refused).hasSuffix("refused"))
            #expect(try await collector.terminal(of: queued) == .completed(stopReason: "end_turn"))
            #expect(try h.store.run(refused)?.state == .completed)
            #expect(try h.store.session(key)?.state == .idle)
            let seqs = collector.events(of: refused).map(\.seq)
            #expect(seqs == Array(1...Int64(seqs.count)), "the end follows the text without a gap")
        }
    }

    @Test func aFailedTurnLeavesTheSessionUsable() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let failing = try await h.submit(key, "[fail]")
            guard case .failed(let code, _) = try await collector.terminal(of: failing) else {
                Issue.record("expected a failure")
                return
            }
            #expect(code == .turnFailed)
            #expect(try h.store.session(key)?.state == .idle)
            #expect(try h.store.session(key)?.lastErrorCode == .turnFailed)
            let next = try await h.submit(key, "again")
            #expect(try await collector.terminal(of: next) == .completed(stopReason: "end_turn"))
        }
    }

    @Test func anAgentCrashFailsTheRunAndTheNextTurnRestartsIt() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let first = try await h.submit(key, "before")
            try await collector.terminal(of: first)
            let agentSession = try h.store.session(key)?.agentSessionId
            let crashing = try await h.submit(key, "[crash]")
            guard case .failed = try await collector.terminal(of: crashing) else {
                Issue.record("expected a failure")
                return
            }
            #expect(collector.events(of: crashing).contains { if case .notice = $0.payload { true } else { false } })
            let next = try await h.submit(key, "after")
            #expect(try await collector.terminal(of: next) == .completed(stopReason: "end_turn"))
            #expect(collector.text(of: next) == "echo: after")
            // Restored with session/load: same agent session, no context-lost event.
            #expect(try h.store.session(key)?.agentSessionId == agentSession)
            #expect(!collector.events(of: next).contains { if case .contextLost = $0.payload { true } else { false } })
        }
    }

    @Test func aFailedResumeStartsFreshAndSaysContextWasLost() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let new = h.newSession()
            let collector = EventCollector(h.manager.subscribe(new.key))
            try await h.manager.createSession(new)
            try h.store.write { db in
                try db.execute(sql: "UPDATE acp_sessions SET agent_session_id = 'demo-unknown' WHERE key = ?", arguments: [new.key.rawValue])
            }
            let run = try await h.submit(new.key, "hi")
            #expect(try await collector.terminal(of: run) == .completed(stopReason: "end_turn"))
            #expect(collector.events(of: run).contains { if case .contextLost = $0.payload { true } else { false } })
            let stored = try h.store.session(new.key)?.agentSessionId
            #expect(stored != nil && stored != "demo-unknown")
        }
    }

    @Test func resetStartsAFreshAgentSessionKeepingKeyAndBindings() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession(bind: true)
            let first = try await h.submit(key, "one")
            try await collector.terminal(of: first)
            let before = try h.store.session(key)?.agentSessionId
            let hung = try await h.submit(key, "[hang]")
            try await collector.wait("hang started") { $0.contains { $0.runId == hung && $0.payload == .runStarted } }
            try await h.manager.reset(key)
            #expect(try h.store.run(hung)?.state == .cancelled)
            #expect(try h.store.session(key)?.agentSessionId == nil)
            #expect(try h.store.session(key)?.state == .idle)
            #expect(collector.events.contains { $0.payload == .sessionReset })
            let next = try await h.submit(key, "two")
            #expect(try await collector.terminal(of: next) == .completed(stopReason: "end_turn"))
            let after = try h.store.session(key)?.agentSessionId
            #expect(after != nil && after != before)
            #expect(try h.store.bindings(session: key).count == 1)
        }
    }

    @Test func closeEndsRunsRuntimeBindingsAndRefusesNewPrompts() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession(bind: true)
            let config = try await h.manager.bind(key, NewBinding(source: .config, conversation: ConversationRef(channel: .http, conversationId: "cfg")))
            let hung = try await h.submit(key, "[hang]")
            let queued = try await h.submit(key, "never")
            try await collector.wait("hang started") { $0.contains { $0.runId == hung && $0.payload == .runStarted } }
            #expect(try await h.manager.close(key, reason: "test"))
            #expect(try h.store.session(key)?.state == .closed)
            #expect(try h.store.run(hung)?.state == .cancelled)
            #expect(try h.store.run(queued)?.state == .cancelled)
            #expect(try h.store.bindings(session: key).map(\.id) == [config.id])
            #expect(collector.events.contains { $0.payload == .sessionClosed(reason: "test") })
            #expect(await h.manager.liveRuntimes() == 0)
            await #expect(throws: ACPError.self) { try await h.submit(key, "late") }
            #expect(try await h.manager.close(key) == false)
        }
    }

    @Test func closeRacingSubmitNeverLeavesARunBehind() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            for _ in 0..<5 {
                let (key, _) = try await h.makeSession()
                async let submitted: RunID? = try? await h.submit(key, "[delay=20] race")
                async let closed = h.manager.close(key)
                let (run, didClose) = (await submitted, try await closed)
                #expect(didClose)
                if let run { #expect(try h.store.run(run)?.state == .cancelled) }
                #expect(try h.store.activeRuns(session: key).isEmpty)
                #expect(try h.store.session(key)?.state == .closed)
            }
            #expect(await h.manager.liveRuntimes() == 0)
        }
    }

    @Test func cancelRacingAFinishingRunEndsCleanly() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            for index in 0..<6 {
                let run = try await h.submit(key, "[chunks=1] r\(index)")
                if index % 2 == 0 {
                    try await collector.wait("start") { $0.contains { $0.runId == run && $0.payload == .runStarted } }
                }
                _ = try await h.manager.cancel(key, conversation: h.conversation)
                let end = try await collector.terminal(of: run)
                #expect(end == .cancelled || end == .completed(stopReason: "end_turn"))
                #expect(collector.events(of: run).filter(\.payload.isTerminal).count == 1)
            }
            let last = try await h.submit(key, "after the races")
            #expect(try await collector.terminal(of: last) == .completed(stopReason: "end_turn"))
            #expect(try h.store.session(key)?.state == .idle)
        }
    }
}
