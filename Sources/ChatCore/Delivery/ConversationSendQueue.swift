import ACPControlPlane
import Bindings
import Metrics

/// How often and how patiently a failed send or edit is retried.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts per operation, the first included (at least 1).
    public var maxAttempts: Int
    /// Delay before the second attempt; doubled for each further one.
    public var baseDelay: Duration
    /// Upper bound of a backoff delay (a channel's retry-after is honoured up to this too).
    public var maxDelay: Duration

    /// A policy; the defaults retry 5 times over about 3 seconds.
    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(30)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(retryAfter, maxDelay) }
        let factor = 1 << min(max(0, attempt - 1), 20)
        return min(baseDelay * factor, maxDelay)
    }
}

/// One conversation's outbound queue: applies delivery operations through its `ChatChannel`
/// strictly in the order they were enqueued, one at a time.
///
/// `enqueue` never waits (it is nonisolated and feeds an unbounded stream), so a session actor
/// handing over operations is never blocked on the network. `run()` consumes the stream: a
/// failed call is retried with exponential backoff (or after the channel's retry-after) up to
/// `RetryPolicy.maxAttempts`, then given up and reported; later operations still go out. The
/// checkpoint callback runs only after a send or edit succeeded, with the operation's
/// checkpoint, so the control plane's delivery checkpoint never passes undelivered output. The
/// checkpoint also travels in `OutgoingContext.checkpoint` (destination: the conversation's
/// canonical string), for channels that write it atomically with the message.
public actor ConversationSendQueue {
    /// An operation of one run.
    public struct Item: Sendable, Equatable {
        public var runId: RunID
        public var operation: DeliveryOperation
    }

    public typealias Sleep = @Sendable (Duration) async throws -> Void

    private struct SlotKey: Hashable { var runId: RunID; var slot: Int }

    public let conversation: ConversationRef
    private let channel: any ChatChannel
    private let policy: RetryPolicy
    private let sleep: Sleep
    private let onCheckpoint: @Sendable (RunID, Int64) async -> Void
    private let onFailure: @Sendable (Item, any Error) async -> Void
    private let stream: AsyncStream<[Item]>
    private let continuation: AsyncStream<[Item]>.Continuation
    private var refs: [SlotKey: MessageRef] = [:]
    private var appliedBatches = 0

    /// What a queue has done so far, so its owner can tell when it is idle.
    public struct Activity: Sendable, Equatable {
        /// How many `enqueue` batches were applied (delivered or given up).
        public var appliedBatches: Int
        /// True while a run's messages may still be edited (its final operation is not applied
        /// yet): dropping the queue then would turn those edits into new messages.
        public var tracksMessages: Bool
    }

    /// A queue for `conversation`. `checkpoint(run, seq)` is called after each successful
    /// operation that carries a checkpoint; `failure` after an operation was given up.
    public init(conversation: ConversationRef, channel: any ChatChannel, policy: RetryPolicy = RetryPolicy(),
         sleep: @escaping Sleep = { try await Task.sleep(for: $0) },
         checkpoint: @escaping @Sendable (RunID, Int64) async -> Void,
         failure: @escaping @Sendable (Item, any Error) async -> Void = { _, _ in }) {
        self.conversation = conversation
        self.channel = channel
        self.policy = policy
        self.sleep = sleep
        self.onCheckpoint = checkpoint
        self.onFailure = failure
        (stream, continuation) = AsyncStream.makeStream(of: [Item].self)
    }

    /// Queues a run's operations behind everything queued before. Never waits.
    public nonisolated func enqueue(runId: RunID, _ operations: [DeliveryOperation]) {
        guard !operations.isEmpty else { return }
        continuation.yield(operations.map { Item(runId: runId, operation: $0) })
    }

    /// Stops taking operations; `run()` returns once the queued ones are applied.
    public nonisolated func finish() {
        continuation.finish()
    }

    /// Applies queued operations until `finish()` (or cancellation of the calling task).
    public func run() async {
        for await batch in stream {
            for item in batch {
                if Task.isCancelled { return }
                await apply(item)
            }
            appliedBatches += 1
        }
    }

    /// The queue's progress: compare `appliedBatches` with the number of `enqueue` calls.
    public var activity: Activity {
        Activity(appliedBatches: appliedBatches, tracksMessages: !refs.isEmpty)
    }

    private func apply(_ item: Item) async {
        // After a run's final operation (delivered or given up) nothing edits its messages.
        defer { if item.operation.isFinal { forget(item.runId) } }
        let operation = item.operation
        let key = SlotKey(runId: item.runId, slot: operation.slot)
        let context = OutgoingContext(kind: operation.kind, runId: item.runId, isFinal: operation.isFinal,
                                      checkpoint: operation.checkpoint.map {
                                          CheckpointAdvance(run: item.runId, destination: conversation.canonical, seq: $0)
                                      })
        var attempt = 0
        while true {
            attempt += 1
            do {
                // An edit, or a send of a slot adopted from before a restart: change that message.
                if let ref = refs[key] {
                    do {
                        try await channel.edit(ref, text: operation.text, buttons: operation.buttons, context: context)
                    } catch ChannelError.notSupported {
                        refs[key] = try await channel.send(to: conversation, text: operation.text,
                                                           buttons: operation.buttons, context: context)
                    }
                } else {
                    // A send, or an edit of a message whose send was given up: post it now.
                    refs[key] = try await channel.send(to: conversation, text: operation.text,
                                                       buttons: operation.buttons, context: context)
                }
                Counter(label: "acpd_delivery_total", dimensions: [("channel", conversation.channel.rawValue), ("result", "ok")]).increment()
                if let seq = operation.checkpoint { await onCheckpoint(item.runId, seq) }
                return
            } catch {
                guard let retryAfter = Self.retryDelay(for: error), attempt < policy.maxAttempts else {
                    Counter(label: "acpd_delivery_total", dimensions: [("channel", conversation.channel.rawValue), ("result", "failed")]).increment()
                    await onFailure(item, error)
                    return
                }
                Counter(label: "acpd_delivery_retries_total", dimensions: [("channel", conversation.channel.rawValue)]).increment()
                do {
                    try await sleep(policy.delay(afterAttempt: attempt, retryAfter: retryAfter.value))
                } catch {
                    await onFailure(item, error)
                    return
                }
            }
        }
    }

    /// Takes over the messages a run already has in this conversation (from before a restart),
    /// as its slots 0, 1, … in order: operations for those slots edit them instead of posting new
    /// ones. Call before the run's operations are enqueued.
    public func adopt(runId: RunID, messages: [MessageRef]) {
        for (slot, ref) in messages.enumerated() { refs[SlotKey(runId: runId, slot: slot)] = ref }
    }

    /// Drops the message references of a finished run: nothing edits them any more.
    private func forget(_ runId: RunID) {
        refs = refs.filter { $0.key.runId != runId }
    }

    private struct RetryAfter { var value: Duration? }

    /// Nil when `error` is not worth retrying; else the channel's retry-after, if any.
    private static func retryDelay(for error: any Error) -> RetryAfter? {
        switch error {
        case ChannelError.rateLimited(let after): RetryAfter(value: after)
        case ChannelError.transient: RetryAfter(value: nil)
        case ChannelError.permanent, ChannelError.notSupported: nil
        case is CancellationError: nil
        default: RetryAfter(value: nil)
        }
    }
}
