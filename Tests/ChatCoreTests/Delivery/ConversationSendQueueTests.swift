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

    @Test("operations are applied in order; edits reach the message their slot was sent as")
    func ordering() async {
        let channel = RecordingChannel()
        let entries = await drain(channel, makeQueue(channel), [
            [Op(.send, slot: 0, text: "a", checkpoint: 1)],
            [Op(.send, slot: 1, text: "perm", kind: .permission), Op(.edit, slot: 0, text: "ab", checkpoint: 3)],
            [Op(.edit, slot: 1, text: "perm done", checkpoint: 4), Op(.edit, slot: 0, text: "abc", isFinal: true, checkpoint: 5)],
        ])
        #expect(entries == ["send m1 a", "checkpoint 1", "send m2 perm", "edit m1 ab", "checkpoint 3",
                            "edit m2 perm done", "checkpoint 4", "edit m1 abc final", "checkpoint 5"])
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
        #expect(entries == ["send m1 a", "checkpoint 1", "fail edit m1 ab", "fail send ab", "checkpoint 2", "gave up slot 0"])
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
}
