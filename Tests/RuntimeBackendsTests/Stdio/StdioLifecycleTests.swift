import ACPControlPlane
import Foundation
import Testing
import TestSupport
@testable import RuntimeBackends

@Suite("stdio runtime: process lifecycle, auth, restore, confinement (real agents)")
struct StdioLifecycleTests {
    @Test("an agent crash mid-turn fails the turn (retryable, with stderr); the next turn restarts and restores it",
          arguments: PeerAgent.allCases)
    func crashMidTurn(peer: PeerAgent) async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: peer, directory: dir)
            let key = StdioHarness.key()
            let first = try await harness.ensure(key)
            _ = try await harness.turn(first.handle, "before the crash")
            let crashed = try await harness.turn(first.handle, "[crash]")
            let failure = try #require(crashed.failure)
            #expect(failure.error.code == .turnFailed)
            #expect(failure.retryable)
            #expect(failure.error.message == "the agent exited (status 3)")
            #expect(crashed.terminalCount == 1)
            #expect(await harness.runtime.isAlive(first.handle) == false)

            let second = try await harness.ensure(key)
            #expect(second.origin == .loaded)
            #expect(second.handle.runtimeInstance != first.handle.runtimeInstance)
            #expect(second.handle.agentSessionId == first.handle.agentSessionId)
            let after = try await harness.turn(second.handle, "after the crash")
            #expect(after.output == "echo: after the crash")
            await harness.runtime.close(sessionKey: key, reason: .sessionClosed)
            try await harness.expectValidWire()
        }
    }

    @Test("an agent that ignores session/cancel is killed after the grace period (ACP_TURN_TIMEOUT) and restored")
    func hangHardThenKill() async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: .demo, directory: dir) { $0.cancelGrace = .milliseconds(500) }
            let key = StdioHarness.key()
            let ensured = try await harness.ensure(key)
            let runtime = harness.runtime
            let handle = ensured.handle
            let pid = try #require(await runtime.agentPid(handle))
            let turnTask = Task { try await harness.turn(handle, "[hang-hard]") }
            // The agent logs each request to stderr; wait until the prompt was written, then cancel.
            try await withDeadline(10, "prompt sent") {
                while !harness.capture.outgoing.contains(where: { $0.contains("session/prompt") }) {
                    try await Task.sleep(nanoseconds: 10_000_000)
                }
            }
            await runtime.cancel(handle)
            let turn = try await turnTask.value
            #expect(turn.failure?.error.code == .turnTimeout)
            #expect(turn.failure?.error.message == "agent did not stop after cancel")
            #expect(turn.terminalCount == 1)
            try await withDeadline(10, "agent killed") {
                while kill(pid, 0) == 0 { try await Task.sleep(nanoseconds: 20_000_000) }
            }
            let restored = try await harness.ensure(key)
            #expect(restored.origin == .loaded)
            let after = try await harness.turn(restored.handle, "still there")
            #expect(after.output == "echo: still there")
            await runtime.close(sessionKey: key, reason: .sessionClosed)
            try await harness.expectValidWire()
        }
    }

    @Test("an agent that needs login: refused without authMethod, authenticated with it", arguments: PeerAgent.allCases)
    func authentication(peer: PeerAgent) async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: peer, directory: dir)
            do {
                _ = try await harness.ensure(StdioHarness.key(), flags: ["--require-auth"])
                Issue.record("ensureSession should have failed")
            } catch let error as ACPError {
                #expect(error.code == .sessionInitFailed)
                #expect(error.message.hasPrefix("agent needs login: "))
            }
            let key = StdioHarness.key()
            let ensured = try await harness.ensure(key, flags: ["--require-auth"], authMethod: peer.authMethodId)
            #expect(ensured.origin == .created)
            let turn = try await harness.turn(ensured.handle, "logged in")
            #expect(turn.output == "echo: logged in")
            #expect(harness.capture.outgoing.contains { $0.contains(#""method":"authenticate""#) })
            await harness.runtime.close(sessionKey: key, reason: .sessionClosed)
            try await harness.expectValidWire()
        }
    }

    @Test("session/load after a process restart: history is not reported as new output", arguments: PeerAgent.allCases)
    func loadAfterRestart(peer: PeerAgent) async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: peer, directory: dir)
            let key = StdioHarness.key()
            let first = try await harness.ensure(key)
            _ = try await harness.turn(first.handle, "remember the word pelican")
            await harness.runtime.close(sessionKey: key, reason: .idleTimeout)

            let restored = try await harness.ensure(key, resume: first.handle.agentSessionId)
            #expect(restored.origin == .loaded)
            #expect(restored.resumeFailure == nil)
            #expect(restored.handle.agentSessionId == first.handle.agentSessionId)
            let turn = try await harness.turn(restored.handle, "what was it")
            #expect(turn.output == "echo: what was it")
            // The history was replayed on the wire during session/load, yet never became output.
            #expect(harness.capture.incoming.contains { $0.contains("pelican") && $0.contains("agent_message_chunk") })
            #expect(harness.capture.outgoing.contains { $0.contains(#""method":"session/load""#) })
            await harness.runtime.close(sessionKey: key, reason: .sessionClosed)

            // An unknown session falls back to session/new and says so.
            let fresh = try await harness.ensure(StdioHarness.key(), resume: "no-such-session")
            #expect(fresh.origin == .created)
            #expect(fresh.resumeFailure != nil)
            try await harness.expectValidWire()
        }
    }

    @Test("the agent sees only the passthrough environment; its process cwd is the session cwd")
    func environmentConfinement() async throws {
        try await withTemporaryDirectory { dir in
            setenv("ACPD_TEST_BOT_TOKEN", "secret-value", 1)
            let harness = StdioHarness(peer: .demo, directory: dir)
            let key = StdioHarness.key()
            let handle = try await harness.ensure(key).handle
            let env = try await harness.turn(handle, "[env]")
            #expect(!env.output.contains("ACPD_TEST_BOT_TOKEN"))
            #expect(env.output.contains("PATH"))
            let cwd = try await harness.turn(handle, "[cwd]")
            #expect(cwd.output.contains("cwd: \(harness.workspace) "))
            await harness.runtime.close(sessionKey: key, reason: .sessionClosed)
            try await harness.expectValidWire()
        }
    }

    @Test("a refused protocol version and a slow initialize are clear init errors")
    func initFailures() async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: .demo, directory: dir) { $0.initializeTimeout = 0.5 }
            await #expect(throws: ACPError.self) {
                _ = try await harness.ensure(StdioHarness.key(), flags: ["--protocol-version", "2"])
            }
            do {
                _ = try await harness.ensure(StdioHarness.key(), flags: ["--protocol-version", "2"])
            } catch let error as ACPError {
                #expect(error.message.contains("unsupported protocol version 2"))
            }
            do {
                _ = try await harness.ensure(StdioHarness.key(), flags: ["--init-delay", "3000"])
                Issue.record("initialize should have timed out")
            } catch let error as ACPError {
                #expect(error.code == .sessionInitFailed)
                #expect(error.message.contains("initialize"))
            }
        }
    }
}
