import ACPControlPlane
import Foundation
import Testing
import TestSupport
@testable import RuntimeBackends

/// A cancel that arrives right after `runTurn`, before the turn has reached the agent connection,
/// must not be lost: the turn ends `.done(cancelled)` and its prompt never reaches the agent.
@Suite("stdio runtime: cancel before the turn starts")
struct StdioCancelBeforeStartTests {
    @Test("cancel immediately after runTurn ends the turn cancelled; the next turn runs normally")
    func cancelRightAfterSubmit() async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: .demo, directory: dir)
            let handle = try await harness.ensure(StdioHarness.key()).handle
            let runtime = harness.runtime
            for round in 0..<5 {
                // `[hang]` never ends by itself: only a cancel that is not lost ends this turn.
                let events = runtime.runTurn(handle, prompt: [.text("round \(round) [hang]")], runId: RunID())
                await runtime.cancel(handle)
                let terminal = try await withDeadline(15, "the cancelled turn to end") {
                    var last: RuntimeEvent?
                    for await event in events where event.isTerminal { last = event }
                    return last
                }
                guard case .done(let reason)? = terminal else {
                    Issue.record("round \(round): expected .done(cancelled), got \(String(describing: terminal))")
                    return
                }
                #expect(reason == .cancelled)
            }
            let next = try await harness.turn(handle, "after the cancels")
            #expect(next.stopReason == .endTurn)
            #expect(next.output == "echo: after the cancels")
            try await harness.expectValidWire()
        }
    }

    @Test("a cancel with no turn requested does nothing to the next turn")
    func cancelWhenIdleIsNoOp() async throws {
        try await withTemporaryDirectory { dir in
            let harness = StdioHarness(peer: .demo, directory: dir)
            let handle = try await harness.ensure(StdioHarness.key()).handle
            await harness.runtime.cancel(handle)
            let turn = try await harness.turn(handle, "still works")
            #expect(turn.stopReason == .endTurn)
            #expect(!harness.capture.outgoing.contains { $0.contains(#""method":"session/cancel""#) })
        }
    }
}
