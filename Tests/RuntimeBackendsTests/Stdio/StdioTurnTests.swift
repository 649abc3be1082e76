import ACPControlPlane
import Foundation
import Synchronization
import Testing
import TestSupport
@testable import RuntimeBackends

@Suite("stdio runtime: turns, permissions, cancellation (real agents)")
struct StdioTurnTests {
    @Test("a full turn maps every update kind and ends with one .done; later turns reuse the process", arguments: PeerAgent.allCases)
    func fullTurnAndMultipleTurns(peer: PeerAgent) async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: peer, directory: dir)
            let key = StdioHarness.key()
            let ensured = try await harness.ensure(key)
            #expect(ensured.origin == .created)
            #expect(ensured.capabilities.loadSession)
            #expect(ensured.capabilities.prompt.embeddedContext)

            let first = try await harness.turn(ensured.handle, "hello [thought] [plan] [tool] [usage]")
            #expect(first.stopReason == .endTurn)
            #expect(first.terminalCount == 1)
            #expect(first.output.contains("echo: hello"))
            #expect(first.events.contains { if case .text(let d) = $0 { d.stream == .thought } else { false } })
            #expect(first.events.contains { if case .plan(let entries) = $0 { entries.count == 2 } else { false } })
            #expect(first.events.contains { if case .toolCall(let call) = $0 { call.isNew && call.kind == "read" } else { false } })
            #expect(first.events.contains { if case .toolCall(let call) = $0 { !call.isNew && call.status == "completed" } else { false } })
            #expect(first.events.contains { if case .usage = $0 { true } else { false } })

            let again = try await harness.ensure(key)
            #expect(again.origin == .existing)
            #expect(again.handle == ensured.handle)
            for index in 2...3 {
                let turn = try await harness.turn(again.handle, "turn \(index)")
                #expect(turn.stopReason == .endTurn)
                #expect(turn.output == "echo: turn \(index)")
            }
            await harness.runtime.close(sessionKey: key, reason: .sessionClosed)
            #expect(await harness.runtime.isAlive(ensured.handle) == false)
            await harness.runtime.close(sessionKey: key, reason: .sessionClosed)  // idempotent
            try await harness.expectValidWire()
        }
    }

    @Test("a consumer that falls behind holds the agent back: the turn's untaken events stay bounded, then every chunk arrives in order")
    func slowConsumerHoldsTheAgentBack() async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: .demo, directory: dir)
            let ensured = try await harness.ensure(StdioHarness.key())
            let body = String(repeating: "abcdefghij", count: 2_000)
            let prompt = "[chunks=10000] " + body
            let stream = harness.runtime.runTurn(ensured.handle, prompt: [.text(prompt)], runId: RunID())
            // Nobody takes the turn's events for 2 s: without backpressure acpd read all 10,000
            // chunks into the stream meanwhile.
            try await Task.sleep(for: .seconds(2))
            let untaken = await harness.runtime.unconsumedTurnEvents(ensured.handle)
            #expect(untaken.map { $0 >= TurnFlow.high && $0 <= TurnFlow.high + StdoutLineHandler.maxBatch } == true,
                    "untaken events: \(untaken.map(String.init) ?? "no turn")")
            let result = try await withDeadline(60, "the held turn") {
                var events: [RuntimeEvent] = []
                for await event in stream { events.append(event) }
                return TurnResult(events: events)
            }
            #expect(result.stopReason == .endTurn)
            #expect(result.output == "echo: " + prompt)
            #expect(result.events.filter { if case .text(let delta) = $0 { delta.stream == .output } else { false } }.count == 10_000)
            #expect(await harness.runtime.unconsumedTurnEvents(ensured.handle) == nil)
        }
    }

    @Test("a consumer whose task is cancelled mid-turn cancels the turn: session/cancel reaches the agent")
    func consumerCancelled() async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: .demo, directory: dir)
            let ensured = try await harness.ensure(StdioHarness.key())
            let stream = harness.runtime.runTurn(ensured.handle, prompt: [.text("long [chunks=200] [delay=50]")], runId: RunID())
            let (texts, seen) = AsyncStream<Void>.makeStream()
            let consumer = Task {
                for await event in stream {
                    if case .text = event { seen.yield() }
                }
            }
            try await withDeadline(20, "the turn's first text") { for await _ in texts { break } }
            consumer.cancel()
            let deadline = ContinuousClock.now + .seconds(15)
            while !harness.capture.outgoing.contains(where: { $0.contains("session/cancel") }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(harness.capture.outgoing.contains { $0.contains("session/cancel") }, "session/cancel was never sent")
            await harness.runtime.close(sessionKey: ensured.handle.sessionKey, reason: .sessionClosed)
        }
    }

    @Test("cancel mid-stream: session/cancel, the turn ends .done(cancelled), the session stays usable", arguments: PeerAgent.allCases)
    func cancelMidStream(peer: PeerAgent) async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: peer, directory: dir)
            let ensured = try await harness.ensure(StdioHarness.key())
            let runtime = harness.runtime
            let handle = ensured.handle
            let cancelled = Mutex(false)
            let turn = try await harness.turn(handle, "long [chunks=200] [delay=50]") { event in
                guard case .text = event, cancelled.withLock({ let was = $0; $0 = true; return !was }) else { return }
                await runtime.cancel(handle)
            }
            #expect(turn.stopReason == .cancelled)
            #expect(turn.terminalCount == 1)
            #expect(harness.capture.outgoing.contains { $0.contains(#""method":"session/cancel""#) })
            let next = try await harness.turn(handle, "after cancel")
            #expect(next.output == "echo: after cancel")
            try await harness.expectValidWire()
        }
    }

    @Test("permission: the chosen option reaches the agent once; unknown ids are refused",
          arguments: PeerAgent.allCases, ["allow-once", "reject-once"])
    func permissionAnswered(peer: PeerAgent, optionId: String) async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: peer, directory: dir)
            let ensured = try await harness.ensure(StdioHarness.key())
            let answers = Mutex<[Bool]>([])
            let turn = try await harness.turn(ensured.handle, "may I [permission]") { event in
                guard case .permissionRequest(let request) = event else { return }
                #expect(request.options.map(\.id) == ["allow-once", "allow-always", "reject-once"])
                #expect(request.kind == "execute")
                let unknown = await request.reply(.selected(optionId: "made-up"))
                let first = await request.reply(.selected(optionId: optionId))
                let second = await request.reply(.cancelled)
                answers.withLock { $0 = [unknown, first, second] }
            }
            #expect(answers.withLock { $0 } == [false, true, false])
            #expect(turn.stopReason == .endTurn)
            #expect(turn.output.contains("permission: selected \(optionId)"))
            try await harness.expectValidWire()
        }
    }

    @Test("cancel with a pending permission request answers it cancelled before session/cancel", arguments: PeerAgent.allCases)
    func cancelWithPendingPermission(peer: PeerAgent) async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: peer, directory: dir)
            let ensured = try await harness.ensure(StdioHarness.key())
            let runtime = harness.runtime
            let handle = ensured.handle
            let lateReply = Mutex<PermissionReply?>(nil)
            let turn = try await harness.turn(handle, "[permission]") { event in
                guard case .permissionRequest(let request) = event else { return }
                lateReply.withLock { $0 = request.reply }
                await runtime.cancel(handle)
            }
            #expect(turn.stopReason == .cancelled)
            let reply = try #require(lateReply.withLock { $0 })
            #expect(await reply(.selected(optionId: "allow-once")) == false)
            let sent = harness.capture.outgoing
            let answer = try #require(sent.firstIndex { $0.contains(#""outcome":{"outcome":"cancelled"}"#) })
            let cancel = try #require(sent.firstIndex { $0.contains(#""method":"session/cancel""#) })
            #expect(answer < cancel)
            try await harness.expectValidWire()
        }
    }

    @Test("big single-line chunk, escaped unicode, agent error, refusal, late updates", arguments: PeerAgent.allCases)
    func payloadsAndEndings(peer: PeerAgent) async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: peer, directory: dir)
            let handle = try await harness.ensure(StdioHarness.key()).handle

            let big = try await harness.turn(handle, "[big=300000]")
            #expect(big.stopReason == .endTurn)
            #expect(big.output.filter { $0 == "x" }.count >= 300_000)
            // Past `AgentConnection.decodeAsideBytes` (1 MiB): parsed on the blocking pool, same result.
            let bigger = try await harness.turn(handle, "[big=2000000]")
            #expect(bigger.stopReason == .endTurn)
            #expect(bigger.output.utf8.filter { $0 == UInt8(ascii: "x") }.count >= 2_000_000)

            let unicode = try await harness.turn(handle, "[unicode]")
            #expect(unicode.output.contains("grüße 🚀 naïve – 日本語"))

            let failed = try await harness.turn(handle, "[fail]")
            #expect(failed.failure?.error.code == .turnFailed)
            #expect(failed.failure?.error.message.contains("demo failure") == true)
            #expect(failed.terminalCount == 1)

            let refused = try await harness.turn(handle, "[refuse]")
            #expect(refused.stopReason == .refusal)

            let late = try await harness.turn(handle, "[late]")
            #expect(late.stopReason == .endTurn)
            #expect(late.terminalCount == 1)
            let after = try await harness.turn(handle, "next")
            #expect(after.output == "echo: next")
            try await harness.expectValidWire()
        }
    }
}
