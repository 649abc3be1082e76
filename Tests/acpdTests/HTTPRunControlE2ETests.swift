import Foundation
import Testing
import TestSupport

/// Run control through the http channel with a real `acpd run` and the demo agent: `/acp cancel`
/// (idle, running, queued, per conversation), `/acp steer`, a failed turn, and a repeated command
/// message, checked by exact replies and by the runs, sessions and metrics the API shows.
struct HTTPRunControlE2ETests {
    @Test func cancelWhenIdleStartsNothingAndSteerGoesAheadOfTheQueue() async throws {
        try await withE2EDaemon { chat, _ in
            // The config binding's session exists from start-up (reconciled) without a runtime;
            // cancel while idle answers so and starts none.
            #expect(try await chat.sessions().map(\.state) == ["idle"])
            #expect(try await chat.command("/acp cancel", in: "room1") == "OK: nothing to cancel")
            #expect(try await chat.metric("acpd_runtimes_live") ?? 0 == 0)
            let before = try await chat.command("/acp status", in: "room1").components(separatedBy: "\n")
            let key = try #require(before.first?.replacingOccurrences(of: "OK: ", with: "").components(separatedBy: " is ").first)
            #expect(key.hasPrefix("agent:demo:acp:binding:http:default:"), "\(before)")
            #expect(before.contains("binding: config http:default:room1 (never expires)"), "\(before)")
            #expect(before.contains("runtime: not running"), "\(before)")
            #expect(try await chat.command("/acp cancel", in: "room1") == "OK: nothing to cancel")
            #expect(try await chat.command("/acp status", in: "room1").contains("runtime: not running"))
            #expect(try await chat.metric("acpd_runtimes_live") ?? 0 == 0)

            // steer during a running turn: it runs next, ahead of the prompt queued before it. The
            // queued and steered prompts come from a second conversation bound to the same session,
            // so that cancelling the long turn here (to keep the test short) leaves them queued.
            #expect(try await chat.command("/acp bind \(key)", in: "c-b") == "OK: bound this conversation to \(key)")
            let slow = try await chat.prompt("[delay=100][chunks=200] slow", in: "room1")
            try await chat.waitForRun(slow, state: "running")
            let queued = try await chat.prompt("queued", in: "c-b")
            let steer = try await chat.say("/acp steer steered [delay=20]now", in: "c-b")
            let steered = try #require(steer.runId, "\(steer)")
            #expect(steer.reply == "OK: steered: run \(steered) goes next")
            let running = try await chat.command("/acp status", in: "room1").components(separatedBy: "\n")
            #expect(running.first == "OK: \(key) is running", "\(running)")
            #expect(running.contains("queue: 2"), "\(running)")
            #expect(running.contains { $0.hasPrefix("active run: \(slow), running for ") }, "\(running)")
            #expect(try await chat.command("/acp cancel", in: "room1") == "OK: cancelled the active run \(slow)")
            #expect(try await chat.finalText(of: queued, in: "c-b").contains("echo: queued"))
            #expect(try await chat.finalText(of: steered, in: "c-b").contains("echo: steered [delay=20]now"))
            let steeredRun = try await chat.run(steered)
            #expect(steeredRun.lane == "steer" && steeredRun.state == "completed" && steeredRun.sessionKey == key)
            let messages = try await chat.messages(in: "c-b")
            let firstSeq = { (run: String) in messages.first { $0.runId == run }?.seq ?? .max }
            #expect(firstSeq(steered) < firstSeq(queued), "order of delivery: \(messages.map { ($0.seq, $0.runId ?? "-", $0.text) })")
        }
    }

    @Test func cancelStopsTheRunningTurnAndThisConversationsQueue() async throws {
        try await withE2EDaemon { chat, _ in
            let long = try await chat.prompt("[delay=150][chunks=400] long", in: "room1")
            try await chat.waitForRun(long, state: "running")
            let behind = try await chat.prompt("behind", in: "room1")
            #expect(try await chat.command("/acp cancel", in: "room1") == "OK: cancelled the active run \(long) and 1 queued run(s)")
            let cancelled = try await chat.waitForRun(long, state: "cancelled")
            #expect(cancelled.errorCode == nil)
            #expect(try await chat.run(behind).state == "cancelled")
            let text = try await chat.finalText(of: long, in: "room1")
            #expect(text.hasSuffix("stopped"), "\(text)")
            #expect(!text.contains("echo: [delay=150][chunks=400] long"), "the turn was cut short: \(text)")
            #expect(try await chat.messages(in: "room1").contains { $0.runId == behind && $0.text.contains("echo: behind") } == false)

            // The session is idle again and takes the next prompt.
            let status = try await chat.command("/acp status", in: "room1").components(separatedBy: "\n")
            #expect(status.first?.hasSuffix(" is idle") == true, "\(status)")
            #expect(status.contains("queue: 0"), "\(status)")
            #expect(try await chat.command("/acp cancel", in: "room1") == "OK: nothing to cancel")
            let next = try await chat.prompt("next", in: "room1")
            #expect(try await chat.finalText(of: next, in: "room1").contains("echo: next"))
            #expect(try await chat.metric("acpd_runs_total", ["result": "cancelled"]) == 2)
        }
    }

    @Test func cancelLeavesOtherConversationsQueuedRunsAndSteerWhenIdleRunsAtOnce() async throws {
        try await withE2EDaemon { chat, _ in
            let key = try E2EChat.spawnedKey(try await chat.command("/acp spawn --bind here --label shared", in: "c-a"))
            #expect(try await chat.command("/acp bind shared", in: "c-b") == "OK: bound this conversation to \(key)")
            let steered = try await chat.say("/acp steer [chunks=2] at once", in: "c-a")
            let steeredRun = try #require(steered.runId)
            #expect(try await chat.finalText(of: steeredRun, in: "c-a").contains("echo: [chunks=2] at once"))

            let long = try await chat.prompt("[delay=150][chunks=400] long", in: "c-a")
            try await chat.waitForRun(long, state: "running")
            let mine = try await chat.prompt("mine", in: "c-a")
            let theirs = try await chat.prompt("theirs", in: "c-b")
            #expect(try await chat.command("/acp cancel", in: "c-a") == "OK: cancelled the active run \(long) and 1 queued run(s)")
            try await chat.waitForRun(long, state: "cancelled")
            #expect(try await chat.run(mine).state == "cancelled")
            #expect(try await chat.finalText(of: theirs, in: "c-b").contains("echo: theirs"))
            #expect(try await chat.run(theirs).state == "completed")
        }
    }

    @Test func aFailedTurnIsReportedAndShownByStatus() async throws {
        try await withE2EDaemon { chat, _ in
            let run = try await chat.prompt("[fail] please", in: "room1")
            let text = try await chat.finalText(of: run, in: "room1")
            #expect(text.contains("ERROR: ACP_TURN_FAILED: "), "\(text)")
            let failed = try await chat.waitForRun(run, state: "failed")
            #expect(failed.errorCode == "ACP_TURN_FAILED")
            let status = try await chat.command("/acp status", in: "room1").components(separatedBy: "\n")
            #expect(status.contains { $0.hasPrefix("last error: ACP_TURN_FAILED ") }, "\(status)")
            // The session takes the next prompt.
            let next = try await chat.prompt("again", in: "room1")
            #expect(try await chat.finalText(of: next, in: "room1").contains("echo: again"))
        }
    }

    @Test func aRepeatedCommandMessageIsAnsweredOnceAndDoesNothingTwice() async throws {
        try await withE2EDaemon { chat, _ in
            let first = try await chat.say("/acp spawn --label once", in: "c-a", messageId: "spawn-1")
            let again = try await chat.say("/acp spawn --label once", in: "c-a", messageId: "spawn-1")
            #expect(first == again)
            #expect(first.reply?.hasPrefix("OK: spawned ") == true, "\(first)")
            #expect(try await chat.sessions().filter { $0.label == "once" }.count == 1)
            #expect(try await chat.messages(in: "c-a").filter { $0.kind == "command" }.count == 1, "the reply is delivered once")
        }
    }
}
