@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

@Suite("Runtime lifecycle: TTL, session limit, turn timeout, spawn rollback, idempotency", .serialized)
struct RuntimeLifecycleTests {
    @Test func idleRuntimesAreStoppedAfterTheTTLAndResumeOnTheNextTurn() async throws {
        try await withTemporaryDirectory { dir in
            let clock = TestClock(start: Date())
            var settings = ManagerHarness.fastSettings
            settings.runtimeTTL = .seconds(60)
            let h = try await ManagerHarness(dir: dir, settings: settings, now: clock.now)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let first = try await h.submit(key, "one")
            try await collector.terminal(of: first)
            #expect(await h.manager.liveRuntimes() == 1)
            await h.manager.maintain()
            #expect(await h.manager.liveRuntimes() == 1)
            clock.advance(by: 61)
            await h.manager.maintain()
            #expect(await h.manager.liveRuntimes() == 0)
            #expect(try h.store.session(key)?.state == .idle)
            let second = try await h.submit(key, "two")
            #expect(try await collector.terminal(of: second) == .completed(stopReason: "end_turn"))
            #expect(!collector.events(of: second).contains { if case .contextLost = $0.payload { true } else { false } })
        }
    }

    @Test func aOneshotSessionStopsItsRuntimeAfterEachRunAndResumesForTheNext() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            var new = h.newSession()
            new.mode = .oneshot
            let collector = EventCollector(h.manager.subscribe(new.key))
            try await h.manager.createSession(new)
            let first = try await h.submit(new.key, "one")
            #expect(try await collector.terminal(of: first) == .completed(stopReason: "end_turn"))
            try await withDeadline(10, "the oneshot runtime stops after its run") {
                while await h.manager.liveRuntimes() > 0 { await Task.yield() }
            }
            #expect(try h.store.session(new.key)?.state == .idle, "the session stays open; only its runtime stops")
            let second = try await h.submit(new.key, "two")
            #expect(try await collector.terminal(of: second) == .completed(stopReason: "end_turn"))
            #expect(collector.text(of: second).contains("echo: two"))
            // Resumed with session/load: no context was lost between the two runtimes.
            #expect(!collector.events(of: second).contains { if case .contextLost = $0.payload { true } else { false } })
            try await withDeadline(10, "stopped again") {
                while await h.manager.liveRuntimes() > 0 { await Task.yield() }
            }
        }
    }

    @Test func theSessionLimitEvictsIdleRuntimesFirstThenRefuses() async throws {
        try await withTemporaryDirectory { dir in
            var settings = ManagerHarness.fastSettings
            settings.maxConcurrentSessions = 1
            let h = try await ManagerHarness(dir: dir, settings: settings)
            defer { Task { await h.shutdown() } }
            let (a, aEvents) = try await h.makeSession()
            let (b, bEvents) = try await h.makeSession()
            try await aEvents.terminal(of: try await h.submit(a, "a"))
            #expect(try await bEvents.terminal(of: try await h.submit(b, "b")) == .completed(stopReason: "end_turn"))
            #expect(await h.manager.liveRuntimes() == 1)
            let hung = try await h.submit(a, "[hang]")
            try await aEvents.wait("hang started") { $0.contains { $0.runId == hung && $0.payload == .runStarted } }
            // a's turn needs the only slot; wait until it holds it (its runtime is being restored).
            try await withDeadline(10, "a holds the slot") {
                while try await h.manager.status(a).runtimeLive == false { await Task.yield() }
            }
            let refused = try await h.submit(b, "b again")
            guard case .failed(let code, _) = try await bEvents.terminal(of: refused) else {
                Issue.record("expected ACP_SESSION_LIMIT")
                return
            }
            #expect(code == .sessionLimit)
            _ = try await h.manager.cancel(a)
            #expect(try await aEvents.terminal(of: hung) == .cancelled)
            #expect(try await bEvents.terminal(of: try await h.submit(b, "b works")) == .completed(stopReason: "end_turn"))
        }
    }

    @Test(arguments: ["[hang]", "[hang-hard]"])
    func aTurnPastTheTimeoutIsCancelledThenKilledAndFails(_ prompt: String) async throws {
        try await withTemporaryDirectory { dir in
            var settings = ManagerHarness.fastSettings
            settings.turnTimeout = .milliseconds(800)
            let h = try await ManagerHarness(dir: dir, settings: settings, cancelGrace: .milliseconds(800))
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let run = try await h.submit(key, prompt)
            guard case .failed(let code, _) = try await collector.terminal(of: run, timeout: 20) else {
                Issue.record("expected ACP_TURN_TIMEOUT")
                return
            }
            #expect(code == .turnTimeout)
            #expect(try h.store.run(run)?.errorCode == .turnTimeout)
            #expect(try h.store.session(key)?.state == .idle)
            let next = try await h.submit(key, "next")
            #expect(try await collector.terminal(of: next, timeout: 20) == .completed(stopReason: "end_turn"))
        }
    }

    @Test func aSpawnThatCannotStartTheAgentLeavesNothingBehind() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings,
                                             agentCommand: [dir.appendingPathComponent("no-such-agent").path])
            defer { Task { await h.shutdown() } }
            let new = h.newSession()
            await #expect(throws: ACPError.self) {
                try await h.manager.spawn(new, binding: NewBinding(source: .runtime, conversation: h.conversation),
                                          firstPrompt: [.text("hi")], conversation: h.conversation)
            }
            #expect(try h.store.session(new.key) == nil)
            #expect(try h.store.bindings(activeOnly: false).isEmpty)
            #expect(await h.manager.liveRuntimes() == 0)
        }
    }

    @Test func racingSpawnsForOneConversationCommitOneAndStopTheOthersRuntime() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let binding = NewBinding(source: .runtime, conversation: h.conversation)
            async let first = try? await h.manager.spawn(h.newSession(), binding: binding)
            async let second = try? await h.manager.spawn(h.newSession(), binding: binding)
            let results = await [first, second].compactMap { $0 }
            #expect(results.count == 1)
            #expect(try h.store.sessions().count == 1)
            #expect(try h.store.bindings().count == 1)
            #expect(await h.manager.liveRuntimes() == 1)
        }
    }

    @Test func aReplayedIdempotencyKeyReturnsTheFirstOutcomeAndStartsNothing() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let spawnKey = IdempotencyKey(scope: "http:default", key: "spawn-1")
            let new = h.newSession()
            let spawned = try await h.manager.spawn(new, binding: NewBinding(source: .runtime, conversation: h.conversation),
                                                    idempotency: spawnKey)
            let again = try await h.manager.spawn(h.newSession(), idempotency: spawnKey)
            #expect(again.replayed && !spawned.replayed)
            #expect(again.sessionKey == new.key && again.bindingId == spawned.bindingId)
            #expect(try h.store.sessions().count == 1)

            let messageKey = IdempotencyKey(scope: "http:default", key: "msg-1")
            // The channel reserves the key first (dedupe), then submits with it.
            #expect(try h.store.reserve(messageKey, ttl: 3600) == .new)
            let collector = EventCollector(h.manager.subscribe(new.key))
            let submitted = try await h.manager.submit(new.key, prompt: [.text("once")], from: h.conversation, idempotency: messageKey)
            let replay = try await h.manager.submit(new.key, prompt: [.text("once")], from: h.conversation, idempotency: messageKey)
            #expect(replay.replayed && replay.runId == submitted.runId)
            try await collector.terminal(of: submitted.runId)
            #expect(try h.store.runs(session: new.key).count == 1)
            #expect(try h.store.reserve(messageKey, ttl: 3600) != .new)
        }
    }
}
