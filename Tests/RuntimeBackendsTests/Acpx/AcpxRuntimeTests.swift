import ACPControlPlane
import Foundation
import Testing
import TestSupport

@testable import RuntimeBackends

/// The acpx backend against the fake acpx, through the real process supervisor.
@Suite("acpx runtime (fake acpx)")
struct AcpxRuntimeTests {
    @Test("ensure creates, a second backend instance resumes, the same instance reuses")
    func ensureOrigins() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let request = fake.request()
            let first = try await fake.runtime.ensureSession(request)
            #expect(first.origin == .created)
            #expect(first.handle.backend == "acpx")
            #expect(first.handle.agentSessionId.hasPrefix("sess-"))
            #expect(first.resumeFailure == nil)
            #expect(await fake.runtime.isAlive(first.handle))

            let again = try await fake.runtime.ensureSession(request)
            #expect(again.origin == .existing)
            #expect(again.handle == first.handle)

            // A restarted acpd (new backend instance) finds acpx's saved session.
            let restarted = FakeAcpx(dir: dir)
            let resumed = try await restarted.runtime.ensureSession(request)
            #expect(resumed.origin == .loaded)
            #expect(resumed.handle.agentSessionId == first.handle.agentSessionId)

            let ensureCalls = try fake.calls().filter { $0.argv.contains("ensure") }
            #expect(ensureCalls.count == 2, "the .existing answer must not start acpx")
            #expect(ensureCalls.first?.argv.contains(AcpxSessionName(request.sessionKey).rawValue) == true)
        }
    }

    @Test("resume: a saved agent session id is restored, or replaced with a note when it cannot be")
    func resume() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let restored = try await fake.runtime.ensureSession(fake.request(resume: "sess-old"))
            #expect(restored.origin == .loaded)
            #expect(restored.handle.agentSessionId == "sess-old")
            #expect(restored.resumeFailure == nil)

            let failing = try await fake.runtime.ensureSession(fake.request(env: ["FAKE_ACPX_RESUME_FAILS": "1"], resume: "sess-gone"))
            #expect(failing.origin == .created)
            #expect(failing.handle.agentSessionId != "sess-gone")
            #expect(failing.resumeFailure != nil)
        }
    }

    @Test("a full turn streams the agent's updates and ends with its stop reason")
    func fullTurn() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let session = try await fake.runtime.ensureSession(fake.request())
            let events = try await collectTurn(fake.runtime.runTurn(session.handle, prompt: [.text("hello there\nsecond line")], runId: RunID()))

            #expect(events.terminalSummary == "done(end_turn)")
            #expect(events.outputText == "Echo: hello there\nsecond line")
            #expect(events.contains { if case .text(let delta) = $0 { delta.stream == .thought && delta.text == "thinking" } else { false } })
            #expect(events.contains { if case .plan(let entries) = $0 { entries.first?.content == "Answer" } else { false } })
            let tools = events.compactMap { if case .toolCall(let info) = $0 { info } else { nil } }
            #expect(tools.map(\.isNew) == [true, false])
            #expect(tools.first?.locations == [dir.appendingPathComponent("README.md").path])
            #expect(tools.last?.contentText == "# Readme")
            #expect(events.contains { if case .usage(let usage) = $0 { usage.used == 10 && usage.size == 100 } else { false } })
            #expect(events.filter(\.isTerminal).count == 1)

            // A second turn works on the same handle once the first ended.
            let next = try await collectTurn(fake.runtime.runTurn(session.handle, prompt: [.text("again")], runId: RunID()))
            #expect(next.outputText == "Echo: again")
        }
    }

    @Test("a consumer that falls behind holds acpx back: its prompt process waits on a full pipe, then every chunk arrives")
    func slowConsumerHoldsAcpxBack() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let session = try await fake.runtime.ensureSession(fake.request())
            let stream = fake.runtime.runTurn(session.handle, prompt: [.text("flood=20000")], runId: RunID())
            // Nobody takes the turn's events for 2 s. 20,000 chunks (~3 MB) are far more than the
            // turn (256 events), the stdout reader (16 batches) and the pipe hold, so the fake's
            // prompt process is still writing; without backpressure it had finished.
            try await Task.sleep(for: .seconds(2))
            let running = try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix("running-") }
            #expect(running, "acpx's prompt process finished while nobody read its turn")
            let events = try await collectTurn(stream, seconds: 60)
            #expect(events.terminalSummary == "done(end_turn)")
            #expect(events.filter { if case .text(let delta) = $0 { delta.stream == .output && delta.text == "x" } else { false } }.count == 20_000)
        }
    }

    @Test("history replayed during session/load is not reported as new output")
    func replayHidden() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let session = try await fake.runtime.ensureSession(fake.request())
            let events = try await collectTurn(fake.runtime.runTurn(session.handle, prompt: [.text("replay now")], runId: RunID()))
            #expect(events.terminalSummary == "done(end_turn)")
            #expect(!events.outputText.contains("OLD HISTORY"))
            #expect(events.outputText == "Echo: replay now")
        }
    }

    @Test("malformed output lines are skipped and the turn completes")
    func malformedLines() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let session = try await fake.runtime.ensureSession(fake.request())
            let events = try await collectTurn(fake.runtime.runTurn(session.handle, prompt: [.text("malformed please")], runId: RunID()))
            #expect(events.terminalSummary == "done(end_turn)")
            #expect(events.outputText == "Echo: malformed please")
        }
    }

    @Test("cancel mid-turn: acpx cancel reaches the agent, the turn ends cancelled")
    func cancelMidTurn() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir, cancelGrace: .seconds(10))
            let session = try await fake.runtime.ensureSession(fake.request())
            let runtime = fake.runtime
            let summary = try await withDeadline(20, "the cancelled turn") {
                var events: [RuntimeEvent] = []
                for await event in runtime.runTurn(session.handle, prompt: [.text("slow work")], runId: RunID()) {
                    events.append(event)
                    if case .text(let delta) = event, delta.text == "working" { await runtime.cancel(session.handle) }
                    if event.isTerminal { break }
                }
                return events.terminalSummary
            }
            #expect(summary == "done(cancelled)")
            #expect(try fake.calls().contains { $0.argv.contains("cancel") })
            // Cancelling again with nothing in flight does nothing.
            await runtime.cancel(session.handle)
            #expect(try fake.calls().filter { $0.argv.contains("cancel") }.count == 1)
        }
    }

    @Test("a consumer whose task is cancelled mid-turn cancels the turn: acpx cancel is called")
    func consumerCancelled() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir, cancelGrace: .seconds(10))
            let session = try await fake.runtime.ensureSession(fake.request())
            let stream = fake.runtime.runTurn(session.handle, prompt: [.text("slow work")], runId: RunID())
            let (working, seen) = AsyncStream<Void>.makeStream()
            let consumer = Task {
                for await event in stream {
                    if case .text(let delta) = event, delta.text == "working" { seen.yield() }
                }
            }
            try await withDeadline(20, "the turn's first text") { for await _ in working { break } }
            consumer.cancel()
            let deadline = ContinuousClock.now + .seconds(15)
            while try !fake.calls().contains(where: { $0.argv.contains("cancel") }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try fake.calls().contains { $0.argv.contains("cancel") }, "acpx cancel was never called")
        }
    }

    @Test("cancel of a turn that ignores it: the prompt process group is terminated after the grace period")
    func cancelEscalates() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir, cancelGrace: .milliseconds(500))
            let session = try await fake.runtime.ensureSession(fake.request())
            let runtime = fake.runtime
            let summary = try await withDeadline(20, "the terminated turn") {
                var events: [RuntimeEvent] = []
                for await event in runtime.runTurn(session.handle, prompt: [.text("hang forever")], runId: RunID()) {
                    events.append(event)
                    if case .text(let delta) = event, delta.text == "working" { await runtime.cancel(session.handle) }
                    if event.isTerminal { break }
                }
                return events.terminalSummary
            }
            #expect(summary == "done(cancelled)")
        }
    }

    @Test("prompt exit codes become typed failures", arguments: [
        ("exit=1", "failed(ACP_TURN_FAILED, false)"),
        ("exit=1 retryable", "failed(ACP_TURN_FAILED, true)"),
        ("agenterror", "failed(ACP_TURN_FAILED, false)"),
        ("exit=2", "failed(ACP_BACKEND_UNAVAILABLE, false)"),
        ("exit=3", "failed(ACP_TURN_TIMEOUT, true)"),
        ("exit=4", "failed(ACP_SESSION_NOT_FOUND, true)"),
        ("exit=5", "failed(ACP_TURN_FAILED, false)"),
        ("exit=130", "failed(ACP_TURN_FAILED, true)"),
        ("noresult", "failed(ACP_PROTOCOL_ERROR, false)"),
    ])
    func exitCodes(keyword: String, expected: String) async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let session = try await fake.runtime.ensureSession(fake.request())
            let events = try await collectTurn(fake.runtime.runTurn(session.handle, prompt: [.text("go \(keyword)")], runId: RunID()))
            #expect(events.terminalSummary == expected)
            #expect(events.filter(\.isTerminal).count == 1)
            // Exit 4: acpx lost the session, so the handle is no longer live and ensure runs again.
            #expect(await fake.runtime.isAlive(session.handle) == (keyword != "exit=4"))
        }
    }

    @Test("permission requests are decided by acpx's policy", arguments: [
        (AcpxPermissionMode.ask, "failed(ACP_TURN_FAILED, false)", "failed"),
        (.denyAll, "failed(ACP_TURN_FAILED, false)", "failed"),
        (.approveAll, "done(end_turn)", "completed"),
    ])
    func permissions(mode: AcpxPermissionMode, expected: String, toolStatus: String) async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir, mode: mode)
            let session = try await fake.runtime.ensureSession(fake.request())
            let events = try await collectTurn(fake.runtime.runTurn(session.handle, prompt: [.text("needs permission")], runId: RunID()))
            #expect(events.terminalSummary == expected)
            #expect(!events.contains { if case .permissionRequest = $0 { true } else { false } })
            let update = events.compactMap { if case .toolCall(let info) = $0, info.id == "call_9", !info.isNew { info } else { nil } }
            #expect(update.first?.status == toolStatus)
        }
    }

    @Test("close soft-closes the acpx session; the next ensure creates a fresh one")
    func close() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let request = fake.request()
            let first = try await fake.runtime.ensureSession(request)
            await fake.runtime.close(sessionKey: request.sessionKey, reason: .reset)
            #expect(!(await fake.runtime.isAlive(first.handle)))
            #expect(try fake.records().first?["closed"] as? Bool == true)
            // Idempotent.
            await fake.runtime.close(sessionKey: request.sessionKey, reason: .reset)
            #expect(try fake.calls().filter { $0.argv.contains("close") }.count == 1)

            let fresh = try await fake.runtime.ensureSession(request)
            #expect(fresh.origin == .created)
            #expect(fresh.handle.agentSessionId != first.handle.agentSessionId)
            let stale = try await collectTurn(fake.runtime.runTurn(first.handle, prompt: [.text("hi")], runId: RunID()))
            #expect(stale.terminalSummary == "failed(ACP_SESSION_NOT_FOUND, true)")
        }
    }

    @Test("close during a turn ends the turn")
    func closeDuringTurn() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let request = fake.request()
            let session = try await fake.runtime.ensureSession(request)
            let runtime = fake.runtime
            let summary = try await withDeadline(20, "the closed turn") {
                var events: [RuntimeEvent] = []
                for await event in runtime.runTurn(session.handle, prompt: [.text("slow")], runId: RunID()) {
                    events.append(event)
                    if case .text(let delta) = event, delta.text == "working" {
                        await runtime.close(sessionKey: request.sessionKey, reason: .sessionClosed)
                    }
                    if event.isTerminal { break }
                }
                return events.terminalSummary
            }
            #expect(summary == "done(cancelled)")
        }
    }

    @Test("a second turn on the same session is refused while one runs")
    func oneTurnAtATime() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let session = try await fake.runtime.ensureSession(fake.request())
            let runtime = fake.runtime
            let (second, rest) = try await withDeadline(30, "both turns") {
                var first: [RuntimeEvent] = []
                var second: [RuntimeEvent] = []
                for await event in runtime.runTurn(session.handle, prompt: [.text("slow")], runId: RunID()) {
                    first.append(event)
                    if case .text(let delta) = event, delta.text == "working" {
                        // The first turn is visibly running: a second one must be refused.
                        for await other in runtime.runTurn(session.handle, prompt: [.text("again")], runId: RunID()) {
                            second.append(other)
                        }
                        await runtime.cancel(session.handle)
                    }
                    if event.isTerminal { break }
                }
                return (second, first)
            }
            #expect(second.terminalSummary == "failed(ACP_TURN_FAILED, false)")
            #expect(rest.terminalSummary == "done(cancelled)")
        }
    }

    @Test("ensure failures are typed", arguments: [
        ("1", ACPError.Code.sessionInitFailed),
        ("2", .backendUnavailable),
        ("3", .sessionInitFailed),
        ("130", .sessionInitFailed),
    ])
    func ensureFailures(exit: String, code: ACPError.Code) async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            let request = fake.request(env: ["FAKE_ACPX_ENSURE_EXIT": exit])
            do {
                _ = try await fake.runtime.ensureSession(request)
                Issue.record("sessions ensure exiting \(exit) must fail")
            } catch let error as ACPError {
                #expect(error.code == code)
            }
            #expect(await fake.runtime.sessions.session(request.sessionKey) == nil)
        }
    }

    @Test("only the passthrough variables and the agent's env reach acpx")
    func environment() async throws {
        setenv("ACPD_ACPX_TEST_CANARY", "do-not-leak", 1)
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(dir: dir)
            _ = try await fake.runtime.ensureSession(fake.request(env: ["AGENT_ONLY": "1"], passthrough: ["PATH", "HOME"]))
            let env = Set(try fake.calls().first?.env ?? [])
            #expect(!env.contains("ACPD_ACPX_TEST_CANARY"))
            #expect(env.isSuperset(of: ["PATH", "HOME", "AGENT_ONLY", "FAKE_ACPX_STATE"]))
            // Python may add LC_CTYPE itself (PEP 538); nothing else may appear.
            #expect(env.subtracting(["PATH", "HOME", "AGENT_ONLY", "FAKE_ACPX_STATE", "LC_CTYPE"]).isEmpty, "\(env)")
        }
    }

    @Test("health: healthy with a working acpx, unhealthy when it is missing or broken")
    func health() async throws {
        #expect(await AcpxRuntime(options: FakeAcpx.options(), logger: FakeAcpx.quietLogger).health() == .healthy)
        let missing = AcpxRuntime(options: AcpxOptions(command: ["acpx-does-not-exist-\(UUID().uuidString.prefix(6))"]),
                                  logger: FakeAcpx.quietLogger)
        guard case .unhealthy(let reason) = await missing.health() else {
            Issue.record("a missing acpx must be unhealthy")
            return
        }
        #expect(!reason.isEmpty)
        let broken = AcpxRuntime(options: AcpxOptions(command: ["/bin/sh", "-c", "echo broken >&2; exit 3"]),
                                 logger: FakeAcpx.quietLogger)
        #expect(await broken.health() != .healthy)
    }
}
