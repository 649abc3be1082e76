import ACPControlPlane
import ChatCore

/// One pass of the production send path: a real `ConversationSendQueue` over the channel under
/// test, fed with standalone messages (as `DeliveryService.post` does) and run operations (as the
/// projector does), then finished and run to the end, so everything enqueued is applied when
/// `finish()` returns (no sleeping to find out).
final class SendPathDrive: Sendable {
    /// What the queue reported.
    struct Report: Sendable {
        /// One receipt per `post`, in the order they were posted.
        var receipts: [PostReceipt]
        /// Each operation the queue gave up (or could not confirm), with the error.
        var failures: [String]

        /// Why this is not a clean delivery, or nil when it is.
        var problem: String? {
            if let failure = failures.first { return "the send queue reported a failure: \(failure)" }
            if let receipt = receipts.first(where: { !$0.delivered }) {
                return "a message was not delivered: \(receipt.failure ?? "?")"
            }
            return nil
        }
    }

    let queue: ConversationSendQueue
    private let receipts = Locked<[Int: PostReceipt]>([:])
    private let posted = Locked(0)
    private let failures: Locked<[String]>

    init(channel: any ChatChannel, conversation: ConversationRef, policy: RetryPolicy) {
        let failures = Locked<[String]>([])
        self.failures = failures
        queue = ConversationSendQueue(conversation: conversation, channel: channel, policy: policy,
                                      checkpoint: { _, _ in },
                                      failure: { item, error in
                                          failures.withLock { $0.append("slot \(item.operation.slot) \(item.operation.action): \(error)") }
                                      })
    }

    /// Enqueues a standalone message of one or more parts (`.send` operations of slots 0, 1, …).
    func post(_ parts: [DeliveryOperation]) {
        let index = posted.withLock { value -> Int in
            defer { value += 1 }
            return value
        }
        let receipts = receipts
        queue.enqueueMessage(parts) { receipt in receipts.withLock { $0[index] = receipt } }
    }

    /// Enqueues a run's operations.
    func run(_ runId: RunID, _ operations: [DeliveryOperation]) {
        queue.enqueue(runId: runId, operations)
    }

    /// Closes the queue, applies everything enqueued and reports.
    func finish() async -> Report {
        queue.finish()
        await queue.run()
        let byIndex = receipts.value
        return Report(receipts: (0..<posted.value).map { byIndex[$0] ?? PostReceipt(failure: "no receipt") },
                      failures: failures.value)
    }
}
