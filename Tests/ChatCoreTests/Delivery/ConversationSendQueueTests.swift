import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Testing

private typealias Op = DeliveryOperation

@Suite("Conversation send queue")
struct ConversationSendQueueTests {
    let conversation = ConversationRef(channel: .http, conversationId: "c1")
    let run = RunID()

    /// A queue over `channel` whose sleeps and callbacks are recorded in the channel's log.
    func makeQueue(_ channel: RecordingChannel, attempts: Int = 4) -> ConversationSendQueue {
        let log = channel.log
        return ConversationSendQueue(
            conversation: conversation, channel: channel,
            policy: RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(100), maxDelay: .seconds(10)),
            sleep: { await log.record("sleep \($0)") },
            checkpoint: { _, seq in await log.record("checkpoint \(seq)") },
            failure: { item, _ in await log.record("gave up slot \(item.operation.slot)") })
    }

    /// Enqueues the batches, drains the queue and returns the log.
    func drain(_ channel: RecordingChannel, _ queue: ConversationSendQueue, _ batches: [[DeliveryOperation]]) async -> [String] {
        for batch in batches { queue.enqueue(runId: run, batch) }
        queue.finish()
        await queue.run()
        return await channel.log.entries
    }

    @Test("operations are applied in order; edits reach the message their slot was sent as; a backlog's stale edit is dropped")
    func ordering() async {
        let channel = RecordingChannel()
        let entries = await drain(channel, makeQueue(channel), [
            [Op(.send, slot: 0, text: "a", checkpoint: 1)],
            [Op(.send, slot: 1, text: "perm", kind: .permission), Op(.edit, slot: 0, text: "ab", checkpoint: 3)],
            [Op(.edit, slot: 1, text: "perm done", checkpoint: 4), Op(.edit, slot: 0, text: "abc", isFinal: true, checkpoint: 5)],
        ])
        // "ab" was queued behind "abc" for the same message: only the newer text is worth a call.
        // The first send of slot 1 is kept although an edit of it was queued after it.
        #expect(entries == ["send m1 a", "checkpoint 1", "send m2 perm",
                            "edit m2 perm done", "checkpoint 4", "edit m1 abc final", "checkpoint 5"])
    }

    @Test("a live edit superseded while it waited for the channel's flood budget is dropped; the final text goes out")
    func supersededWhileWaiting() async throws {
        let channel = RecordingChannel()
        let queue = makeQueue(channel)
        let task = Task { await queue.run() }
        queue.enqueue(runId: run, [Op(.send, slot: 0, text: "a", checkpoint: 1)])
        try await waitUntil { await channel.log.entries.contains("checkpoint 1") }
        await channel.gate.close()
        queue.enqueue(runId: run, [Op(.edit, slot: 0, text: "ab", checkpoint: 2)])
        // The queue now waits for its turn with "ab" chosen as the next operation…
        try await waitUntil { await channel.gate.waiting == 1 }
        // …while newer text arrives.
        queue.enqueue(runId: run, [Op(.edit, slot: 0, text: "abc", checkpoint: 3)])
        queue.enqueue(runId: run, [Op(.edit, slot: 0, text: "abcd", isFinal: true, checkpoint: 4)])
        await channel.gate.open()
        queue.finish()
        await task.value
        #expect(await channel.log.entries == ["send m1 a", "checkpoint 1", "edit m1 abcd final", "checkpoint 4"])
    }

    /// Polls `condition` every 5 ms for up to 5 s.
    private func waitUntil(_ condition: @Sendable () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while await !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("a rate limit is waited out for its retry-after, a transient error with backoff, then success")
    func retryThenSuccess() async {
        let channel = RecordingChannel()
        await channel.log.failNext([ChannelError.rateLimited(retryAfter: .seconds(3)), ChannelError.transient("503")])
        let entries = await drain(channel, makeQueue(channel), [[Op(.send, slot: 0, text: "a", checkpoint: 1)]])
        #expect(entries == ["fail send a", "sleep 3.0 seconds", "fail send a", "sleep 0.2 seconds",
                            "send m1 a", "checkpoint 1"])
    }

    @Test("retries are bounded; a given-up operation moves no checkpoint and later ones still go out")
    func retryExhausted() async {
        let channel = RecordingChannel()
        await channel.log.failNext(Array(repeating: ChannelError.transient("down"), count: 3))
        let entries = await drain(channel, makeQueue(channel, attempts: 3), [
            [Op(.send, slot: 0, text: "a", checkpoint: 1)],
            [Op(.edit, slot: 0, text: "ab", checkpoint: 2)],
        ])
        #expect(entries == ["fail send a", "sleep 0.1 seconds", "fail send a", "sleep 0.2 seconds", "fail send a",
                            "gave up slot 0",
                            // The slot was never sent, so its edit is posted as a new message.
                            "send m1 ab", "checkpoint 2"])
        #expect(!entries.contains("checkpoint 1"))
    }

    @Test("a permanent error is not retried")
    func permanent() async {
        let channel = RecordingChannel()
        await channel.log.failNext([ChannelError.permanent("message deleted")])
        let entries = await drain(channel, makeQueue(channel), [[Op(.send, slot: 0, text: "a", checkpoint: 1)]])
        #expect(entries == ["fail send a", "gave up slot 0"])
    }

    @Test("an edit the channel cannot do is sent as a new message")
    func editNotSupported() async {
        let channel = RecordingChannel()
        await channel.log.failNext([nil, ChannelError.notSupported("edit")])
        let entries = await drain(channel, makeQueue(channel), [
            [Op(.send, slot: 0, text: "a")],
            [Op(.edit, slot: 0, text: "ab", checkpoint: 2)],
        ])
        #expect(entries == ["send m1 a", "fail edit m1 ab", "send m2 ab", "checkpoint 2"])
    }

    @Test("the send that stands in for an edit the channel cannot do is not repeated after an unknown outcome")
    func editFallbackSendWithUnknownOutcome() async {
        let channel = RecordingChannel()
        await channel.log.failNext([nil, ChannelError.notSupported("edit"), ChannelError.outcomeUnknown("timeout")])
        let entries = await drain(channel, makeQueue(channel), [
            [Op(.send, slot: 0, text: "a", checkpoint: 1)],
            [Op(.edit, slot: 0, text: "ab", checkpoint: 2)],
        ])
        // Repeating it would post "ab" a second time (the edit is again not supported).
        // (The recording channel applies a send whose answer is lost: "(answer lost)".)
        #expect(entries == ["send m1 a", "checkpoint 1", "fail edit m1 ab", "send m2 ab (answer lost)", "checkpoint 2", "gave up slot 0"])
    }

    @Test("the checkpoint callback runs only after the channel accepted the operation")
    func checkpointAfterSuccess() async {
        let channel = RecordingChannel()
        await channel.log.failNext([ChannelError.transient("x")])
        let entries = await drain(channel, makeQueue(channel), [[
            Op(.send, slot: 0, text: "one"), Op(.send, slot: 1, text: "two", checkpoint: 7),
        ]])
        let sent = entries.firstIndex(of: "send m2 two")
        let checkpoint = entries.firstIndex(of: "checkpoint 7")
        #expect(sent != nil && checkpoint != nil && sent! < checkpoint!)
        #expect(entries.filter { $0.hasPrefix("checkpoint") } == ["checkpoint 7"])
    }

    @Test("a send whose outcome is unknown is never repeated; live edits of it are skipped, the final text goes out once")
    func unknownSendIsNotRepeated() async {
        let channel = RecordingChannel()
        await channel.log.failNext([ChannelError.outcomeUnknown("timeout after the request left")])
        let entries = await drain(channel, makeQueue(channel), [
            [Op(.send, slot: 0, text: "a", checkpoint: 1)],
            [Op(.edit, slot: 0, text: "ab", checkpoint: 2)],
            [Op(.edit, slot: 0, text: "abc", isFinal: true, checkpoint: 3)],
        ])
        #expect(entries == ["send m1 a (answer lost)", "checkpoint 1", "gave up slot 0",
                            // No reference to edit: the live edit is skipped (never a second "a…" message) …
                            "checkpoint 2",
                            // … and the run's final text is posted once.
                            "send m2 abc final", "checkpoint 3"])
        #expect(entries.filter { $0.hasPrefix("send") }.count == 2)
    }

    @Test("an edit whose outcome is unknown is repeated (an edit is idempotent)")
    func unknownEditIsRetried() async {
        let channel = RecordingChannel()
        await channel.log.failNext([nil, ChannelError.outcomeUnknown("connection reset")])
        let entries = await drain(channel, makeQueue(channel), [
            [Op(.send, slot: 0, text: "a", checkpoint: 1)],
            [Op(.edit, slot: 0, text: "ab", isFinal: true, checkpoint: 2)],
        ])
        #expect(entries == ["send m1 a", "checkpoint 1", "edit m1 ab (answer lost)", "sleep 0.1 seconds",
                            "edit m1 ab final", "checkpoint 2"])
    }

    @Test("a standalone message with an unknown outcome is not re-sent; its receipt says so")
    func unknownStandaloneMessage() async {
        let channel = RecordingChannel()
        let queue = makeQueue(channel)
        await channel.log.failNext([ChannelError.outcomeUnknown("timeout")])
        let receipts = Receipts()
        queue.enqueueMessage([Op(.send, slot: 0, text: "OK: done", kind: .command)]) { receipt in Task { await receipts.add(receipt) } }
        queue.enqueueMessage([Op(.send, slot: 0, text: "OK: next", kind: .command)]) { receipt in Task { await receipts.add(receipt) } }
        queue.finish()
        await queue.run()
        #expect(await channel.log.entries == ["send m1 OK: done (answer lost)", "gave up slot 0", "send m2 OK: next"])
        let all = await receipts.wait(count: 2)
        #expect(all.contains { $0.failure?.contains("outcome unknown") == true && $0.messages.isEmpty })
        #expect(all.contains { $0.delivered && $0.messages.map(\.messageId) == ["m2"] })
    }

    @Test("a standalone message queued behind a run's output goes out after it, in enqueue order")
    func standaloneMessageKeepsItsPlace() async {
        let channel = RecordingChannel()
        let queue = makeQueue(channel)
        queue.enqueue(runId: run, [Op(.send, slot: 0, text: "output", checkpoint: 1)])
        queue.enqueueMessage([Op(.send, slot: 0, text: "OK: status", kind: .command)])
        queue.enqueue(runId: run, [Op(.edit, slot: 0, text: "output done", isFinal: true, checkpoint: 2)])
        queue.finish()
        await queue.run()
        // The standalone message's slot 0 is its own: the run's edit still reaches the run's message.
        #expect(await channel.log.entries == ["send m1 output", "checkpoint 1", "send m2 OK: status",
                                              "edit m1 output done final", "checkpoint 2"])
    }

    @Test("calls into one conversation are paced to the channel's minSendInterval")
    func pacing() async {
        let channel = RecordingChannel(capabilities: ChannelCapabilities(maxMessageLength: 4096, supportsEdit: true,
                                                                         supportsButtons: false, minSendInterval: .seconds(1)))
        let entries = await drain(channel, makeQueue(channel), [
            [Op(.send, slot: 0, text: "a", checkpoint: 1)],
            [Op(.edit, slot: 0, text: "ab", isFinal: true, checkpoint: 2)],
        ])
        #expect(entries.count == 5)
        #expect(entries[0] == "send m1 a" && entries[1] == "checkpoint 1")
        // The recorded sleep is what was left of the interval (the queue's clock is real): a
        // little under one second, never zero.
        let sleep = entries[2]
        #expect(sleep.hasPrefix("sleep 0.9") || sleep.hasPrefix("sleep 1.0"), "\(entries)")
        #expect(entries[3] == "edit m1 ab final")
    }

    struct RawTimeout: Error {}

    @Test("an error the channel did not classify counts as an unknown outcome for a send: not repeated")
    func unclassifiedSendErrorIsNotRepeated() async {
        let channel = RecordingChannel()
        await channel.log.failNext([RawTimeout()])
        let entries = await drain(channel, makeQueue(channel), [[Op(.send, slot: 0, text: "a", isFinal: true, checkpoint: 1)]])
        #expect(entries == ["fail send a", "checkpoint 1", "gave up slot 0"])
    }

    @Test("a platform's retry-after is honoured in full beyond the backoff cap")
    func longRetryAfter() async {
        let channel = RecordingChannel()
        await channel.log.failNext([ChannelError.rateLimited(retryAfter: .seconds(120))])
        let entries = await drain(channel, makeQueue(channel), [[Op(.send, slot: 0, text: "a", checkpoint: 1)]])
        #expect(entries == ["fail send a", "sleep 120.0 seconds", "send m1 a", "checkpoint 1"])
    }

    @Test("a standalone message the queue drops unsent (its task cancelled) completes with a failure")
    func cancelledQueueCompletesWaiters() async {
        let channel = RecordingChannel()
        let queue = makeQueue(channel)
        let runner = Task { await queue.run() }
        runner.cancel()
        await runner.value
        let receipt = await withCheckedContinuation { (waiter: CheckedContinuation<PostReceipt, Never>) in
            queue.enqueueMessage([Op(.send, slot: 0, text: "never", kind: .command)]) { waiter.resume(returning: $0) }
        }
        #expect(!receipt.delivered)
        #expect(await channel.log.entries.isEmpty)
    }
}

/// Receipts collected from completion callbacks.
private actor Receipts {
    private var receipts: [PostReceipt] = []
    private var waiters: [(Int, CheckedContinuation<[PostReceipt], Never>)] = []

    func add(_ receipt: PostReceipt) {
        receipts.append(receipt)
        for (count, waiter) in waiters where receipts.count >= count { waiter.resume(returning: receipts) }
        waiters.removeAll { receipts.count >= $0.0 }
    }

    func wait(count: Int) async -> [PostReceipt] {
        if receipts.count >= count { return receipts }
        return await withCheckedContinuation { waiters.append((count, $0)) }
    }
}
