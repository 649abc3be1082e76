import ACPControlPlane
@testable import ChatCore
import Synchronization
import Testing

/// The inbound side of a channel: every message is completed exactly once, with nil when it
/// could not be handled, so a sender waiting for the outcome (an HTTP POST, a poller's cursor) is
/// never left hanging.
struct InboundQueueTests {
    private static func message(_ key: String) -> InboundMessage {
        InboundMessage(conversation: ConversationRef(channel: .http, conversationId: "c"), senderId: "s", text: "hi", idempotencyKey: key)
    }

    @Test("submit returns the outcome the reader completed it with; a second completion is ignored")
    func submitGetsTheOutcome() async {
        let queue = InboundQueue()
        async let outcome = queue.submit(Self.message("k1"))
        var iterator = queue.stream.makeAsyncIterator()
        let inbound = await iterator.next()
        #expect(inbound?.message.idempotencyKey == "k1")
        inbound?.complete(InboundOutcome(accepted: true, reply: "OK: first"))
        inbound?.complete(InboundOutcome(accepted: true, reply: "OK: second"))
        #expect(await outcome?.reply == "OK: first")
    }

    @Test("after close, submit answers nil at once and the stream ends after what it held")
    func closedQueue() async {
        let queue = InboundQueue()
        let held = Mutex<InboundOutcome??>(nil)
        queue.offer(Self.message("before")) { outcome in held.withLock { $0 = .some(outcome) } }
        queue.close()
        #expect(!queue.isOpen)
        #expect(await queue.submit(Self.message("after")) == nil)
        var keys: [String] = []
        for await inbound in queue.stream {
            keys.append(inbound.message.idempotencyKey)
            inbound.complete(.ignored)
        }
        #expect(keys == ["before"], "a message offered before close is still handed over")
        #expect(held.withLock { $0 } == .some(.ignored))
    }

    @Test("an Inbound dropped without being completed completes with nil")
    func droppedCompletesWithNil() async {
        let result = Mutex<[InboundOutcome?]>([])
        do {
            let inbound = Inbound(Self.message("k")) { outcome in result.withLock { $0.append(outcome) } }
            _ = inbound.message
        }
        #expect(result.withLock { $0 } == [nil])
    }
}
