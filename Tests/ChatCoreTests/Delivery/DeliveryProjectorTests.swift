import Foundation
import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Testing

private typealias H = ProjectorHarness
private typealias Op = DeliveryOperation

@Suite("Delivery projector")
struct DeliveryProjectorTests {
    @Test("live: one message edited in place, then exactly one final operation")
    func liveEdits() {
        let ops = H().run([H.text("Hello "), H.text("big "), H.text("world"), H.done])
        #expect(ops == [
            Op(.send, slot: 0, text: "Hello", checkpoint: 1),
            Op(.edit, slot: 0, text: "Hello big", checkpoint: 2),
            Op(.edit, slot: 0, text: "Hello big world", isFinal: true, checkpoint: 4),
        ])
    }

    @Test("live: deltas closer than coalesceIdleMs are coalesced into one send")
    func coalescing() {
        var harness = H()
        harness.spacing = .milliseconds(10)
        let ops = harness.run([H.text("a"), H.text("b"), H.text("c"), H.done])
        #expect(ops == [Op(.send, slot: 0, text: "abc", isFinal: true, checkpoint: 4)])
    }

    @Test("live: held text flushes once idle for coalesceIdleMs, not before")
    func idleDeadline() throws {
        var projector = DeliveryProjector(settings: ProjectorSettings(stream: .defaults, channel: H.editingChannel))
        let start = ContinuousClock.now
        let first = projector.handle(H.text("a "), seq: 1, now: start)
        let second = projector.handle(H.text("b "), seq: 2, now: start + .milliseconds(100))
        #expect(first.isEmpty && second.isEmpty)
        let deadline = try #require(projector.nextDeadline)
        #expect(deadline == start + .milliseconds(450))
        let early = projector.tick(now: start + .milliseconds(400))
        #expect(early.isEmpty)
        let due = projector.tick(now: deadline)
        #expect(due == [Op(.send, slot: 0, text: "a b", checkpoint: 2)])
        #expect(projector.nextDeadline == nil)
    }

    @Test("live: a steady stream still flushes within 4 × coalesceIdleMs")
    func steadyStream() {
        var harness = H()
        harness.spacing = .milliseconds(100)
        let ops = harness.run(Array(repeating: H.text("x "), count: 30) + [H.done])
        let beforeEnd = ops.filter { !$0.isFinal }
        #expect(beforeEnd.count >= 2)
        #expect(ops.last?.text == Array(repeating: "x", count: 30).joined(separator: " "))
    }

    @Test("final_only: nothing until the end, then the whole output once")
    func finalOnly() {
        var harness = H()
        harness.stream = .defaults.with { $0.deliveryMode = .finalOnly }
        let ops = harness.run([H.text("Hello "), H.tool("t1", new: true, title: "Read a.txt", status: "completed"),
                               H.text("world"), H.done])
        #expect(ops == [Op(.send, slot: 0, text: "Hello\n\n🔧 Read a.txt — completed\n\nworld", isFinal: true, checkpoint: 4)])
    }

    @Test("a channel without edits gets final_only output")
    func noEditChannel() {
        var harness = H()
        harness.channel = ChannelCapabilities(maxMessageLength: 4096, supportsEdit: false, supportsButtons: false)
        let ops = harness.run([H.text("a"), H.text("b"), H.done])
        #expect(ops == [Op(.send, slot: 0, text: "ab", isFinal: true, checkpoint: 3)])
    }

    @Test("long output is split at the limit and continues in a new message")
    func splitting() {
        var harness = H()
        harness.stream = .defaults.with { $0.maxChunkChars = 20 }
        let ops = harness.run([H.text("alpha beta gamma "), H.text("delta epsilon zeta"), H.done])
        // "zeta" is still being written after event 2: held back, and the checkpoint stays at 1.
        #expect(ops == [
            Op(.send, slot: 0, text: "alpha beta gamma", checkpoint: 1),
            Op(.send, slot: 1, text: "delta epsilon", checkpoint: 1),
            Op(.edit, slot: 1, text: "delta epsilon zeta", isFinal: true, checkpoint: 3),
        ])
        #expect(ops.allSatisfy { $0.text.utf16.count <= 20 })
    }

    @Test("tool calls: one compact line each, edited as the status changes")
    func toolLines() {
        let ops = H().run([H.tool("t1", new: true, title: "Read README.md", status: "pending"),
                           H.tool("t2", new: true, title: "Run tests", status: "in_progress"),
                           H.tool("t1", new: false, status: "completed"), H.done])
        #expect(ops.map(\.text) == [
            "🔧 Read README.md — pending",
            "🔧 Read README.md — pending\n🔧 Run tests — in progress",
            "🔧 Read README.md — completed\n🔧 Run tests — in progress",
            "🔧 Read README.md — completed\n🔧 Run tests — in progress",
        ])
        #expect(ops.map(\.action) == [.send, .edit, .edit, .edit])
    }

    @Test("showToolCalls false hides tool lines and plans", arguments: [true, false])
    func hiddenTools(show: Bool) {
        var harness = H()
        harness.stream = .defaults.with { $0.showToolCalls = show }
        let ops = harness.run([H.tool("t1", new: true, title: "Read", status: "completed"),
                               .plan([PlanEntry(content: "step", priority: "high", status: "pending")]), H.done])
        #expect(ops.last?.text == (show ? "🔧 Read — completed\n\n📋 Plan\n[ ] step" : DeliveryText.noOutput))
    }

    @Test("thoughts are hidden unless showThoughts", arguments: [(false, "answer"), (true, "💭 hmm\n\nanswer")])
    func thoughts(show: Bool, expected: String) {
        var harness = H()
        harness.stream = .defaults.with { $0.showThoughts = show }
        let ops = harness.run([H.thought("hmm"), H.text("answer"), H.done])
        #expect(ops.last?.text == expected)
        #expect(ops.last?.isFinal == true)
    }

    @Test("maxOutputChars then exactly one truncation notice")
    func truncation() {
        var harness = H()
        harness.stream = .defaults.with { $0.maxOutputChars = 10 }
        let ops = harness.run([H.text("12345678"), H.text("90abc"), H.text("more"), H.done])
        let notice = DeliveryText.outputTruncated(limit: 10)
        #expect(ops.last?.text == "1234567890\n\n" + notice)
        #expect(ops.last?.text.components(separatedBy: notice).count == 2)
    }

    @Test("terminal events end the output with their note", arguments: [
        (EventPayload.completed(stopReason: "end_turn"), "out"),
        (.completed(stopReason: "max_tokens"), "out\n\n(output truncated by the agent)"),
        (.completed(stopReason: "max_turn_requests"), "out\n\n(output truncated by the agent)"),
        (.completed(stopReason: "refusal"), "out\n\nthe agent refused this request"),
        (.completed(stopReason: "cancelled"), "out\n\nstopped"),
        (.cancelled, "out\n\nstopped"),
        (.failed(code: .turnFailed, message: "the agent crashed"), "out\n\nERROR: ACP_TURN_FAILED: the agent crashed"),
    ])
    func terminal(event: EventPayload, expected: String) {
        let ops = H().run([H.text("out "), event])
        #expect(ops.last == Op(.edit, slot: 0, text: expected, isFinal: true, checkpoint: 2))
    }

    @Test("the final operation comes exactly once; events after the end are ignored")
    func finalOnce() {
        let ops = H().run([H.text("a"), H.done, H.text("late"), .failed(code: .turnFailed, message: "x"), H.done])
        #expect(ops.filter(\.isFinal).count == 1)
        #expect(ops.last?.isFinal == true)
        #expect(ops.allSatisfy { !$0.text.contains("late") })
    }

    @Test("a run with no output still gets one final message")
    func emptyRun() {
        let ops = H().run([.runStarted, .usage(Usage(used: 1, size: 2)), H.done])
        #expect(ops == [Op(.send, slot: 0, text: DeliveryText.noOutput, isFinal: true, checkpoint: 3)])
    }

    @Test("a permission request is its own message with buttons and the typed commands")
    func permissionPrompt() throws {
        let ops = H().run([.permissionRequested(H.prompt())])
        let op = try #require(ops.first)
        #expect(op.kind == .permission && op.action == .send && op.checkpoint == 1)
        #expect(op.text.contains("Edit main.swift") && op.text.contains("• Allow once: /acp allow 7\n• Reject: /acp reject 7\n"))
        #expect(!op.text.contains("1. "), "options are not numbered: only the request is")
        #expect(op.text.contains("/acp allow 7") && op.text.contains("/acp reject 7"))
        #expect(op.buttons == [[ChatButton(label: "Allow once", payload: "/acp allow 7"),
                                ChatButton(label: "Reject", payload: "/acp reject 7")]])
    }

    @Test("a prompt longer than the limit is shortened but keeps the line saying how to answer")
    func longPrompt() throws {
        var harness = H()
        harness.stream = .defaults.with { $0.maxChunkChars = 80 }
        var prompt = H.prompt()
        prompt.title = String(repeating: "very long title ", count: 20)
        let op = try #require(harness.run([.permissionRequested(prompt)]).first)
        #expect(op.text.utf16.count <= 80)
        #expect(op.text.hasSuffix("\nReply /acp allow 7 or /acp reject 7"))
        #expect(op.text.contains("…"))
    }

    @Test("without buttons the prompt still says how to answer")
    func permissionNoButtons() throws {
        var harness = H()
        harness.channel = ChannelCapabilities(maxMessageLength: 4096, supportsEdit: true, supportsButtons: false)
        let op = try #require(harness.run([.permissionRequested(H.prompt())]).first)
        #expect(op.buttons.isEmpty && op.text.contains("/acp allow 7"))
    }

    @Test("answered, timed out and cancelled prompts are edited in place without buttons", arguments: [
        (PermissionResolution(id: 7, how: .answered, optionId: "a1"), "answered: Allow once"),
        (PermissionResolution(id: 7, how: .timedOut, optionId: "r1"), "timed out, sent: Reject"),
        (PermissionResolution(id: 7, how: .cancelled, optionId: nil), "cancelled"),
    ])
    func permissionResolved(resolution: PermissionResolution, expected: String) throws {
        let ops = H().run([.permissionRequested(H.prompt()), .permissionResolved(resolution)])
        let op = try #require(ops.last)
        #expect(op.action == .edit && op.slot == ops[0].slot && op.kind == .permission && op.buttons.isEmpty)
        #expect(op.text.hasSuffix(expected))
        #expect(op.checkpoint == 2)
    }

    @Test("a settled prompt is edited in final_only mode too, and re-sent where edits are impossible",
          arguments: [(true, DeliveryOperation.Action.edit, 0), (false, .send, 1)])
    func permissionResolvedWithoutLive(edits: Bool, action: DeliveryOperation.Action, slot: Int) throws {
        var harness = H()
        harness.stream = .defaults.with { $0.deliveryMode = .finalOnly }
        harness.channel = ChannelCapabilities(maxMessageLength: 4096, supportsEdit: edits, supportsButtons: true)
        let ops = harness.run([.permissionRequested(H.prompt()),
                               .permissionResolved(PermissionResolution(id: 7, how: .answered, optionId: "a1"))])
        let op = try #require(ops.last)
        #expect(ops.count == 2 && op.action == action && op.slot == slot && op.text.hasSuffix("answered: Allow once"))
    }

    @Test("live: output after a permission prompt continues in a new message below it")
    func outputAfterPrompt() {
        let ops = H().run([H.text("before"), .permissionRequested(H.prompt()),
                           .permissionResolved(PermissionResolution(id: 7, how: .answered, optionId: "a1")),
                           H.text("after "), H.done])
        #expect(ops.map(\.slot) == [0, 1, 1, 2, 2])
        #expect(ops.map(\.action) == [.send, .send, .edit, .send, .edit])
        #expect(ops.last == Op(.edit, slot: 2, text: "after", isFinal: true, checkpoint: 5))
    }

    @Test("final_only: a prompt goes out at once but the checkpoint stays before held output")
    func checkpointBehindHeldOutput() {
        var harness = H()
        harness.stream = .defaults.with { $0.deliveryMode = .finalOnly }
        let ops = harness.run([.runStarted, H.text("held"), .permissionRequested(H.prompt()), H.done])
        #expect(ops.first?.kind == .permission)
        #expect(ops.first?.checkpoint == 1)
        #expect(ops.last == Op(.send, slot: 1, text: "held", isFinal: true, checkpoint: 4))
    }

    @Test("notices and lost context are separate notice messages")
    func notices() {
        let ops = H().run([.notice("runtime restarted"), .contextLost(reason: "load failed"), H.done])
        #expect(ops.prefix(2).map(\.kind) == [.notice, .notice])
        #expect(ops[0].text == "runtime restarted")
        #expect(ops[1].text.contains("load failed"))
        #expect(ops.last?.isFinal == true)
    }

    @Test("a block's length is counted from the previous one: the same as counting the joined text, across split graphemes")
    func joinedCountMatchesCounting() {
        let pieces = ["", "e", "\u{301}", "a b ", "🇺", "🇸", "🇺🇸🇫", "👨", "\u{200D}", "👩", "😀\u{200D}", "\u{FE0F}",
                      "\r", "\n", "\u{1100}", "\u{1161}", "\u{11A8}", "ก\u{E33}", "x\u{301}\u{302}"]
        for left in pieces where !left.isEmpty {
            for right in pieces {
                let counted = DeliveryProjector.joinedCount(left, previous: left.count, right)
                #expect(counted == (left + right).count, "\(left.unicodeScalars.map { $0.value }) + \(right.unicodeScalars.map { $0.value })")
            }
        }
    }

    @Test("a long answer of many small deltas, some splitting a grapheme: the final text is every delta joined")
    func manySmallDeltas() {
        var harness = H()
        harness.spacing = .milliseconds(1)
        var deltas: [String] = []
        for index in 0..<3_000 { deltas.append(index % 7 == 0 ? "e" : (index % 7 == 1 ? "\u{301} " : "w\(index) ")) }
        let ops = harness.run(deltas.map { H.text($0) } + [H.done])
        let expected = deltas.joined().trimmingCharacters(in: .whitespaces)
        #expect(ops.last?.isFinal == true)
        #expect(ops.filter { $0.slot == ops.last?.slot }.last?.text.isEmpty == false)
        #expect(ops.map(\.text).joined().contains("é"))
        let lastBySlot = Dictionary(ops.map { ($0.slot, $0.text) }, uniquingKeysWith: { _, new in new })
        let shown = lastBySlot.keys.sorted().compactMap { lastBySlot[$0] }.joined(separator: " ")
        #expect(shown.filter { !$0.isWhitespace } == expected.filter { !$0.isWhitespace })
    }
}
