import ACPControlPlane
import Synchronization
import Bindings
import Metrics

/// How often and how patiently a failed send or edit is retried.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts per operation, the first included (at least 1).
    public var maxAttempts: Int
    /// Delay before the second attempt; doubled for each further one.
    public var baseDelay: Duration
    /// Upper bound of a backoff delay.
    public var maxDelay: Duration
    /// Upper bound of a wait a channel's retry-after asks for (a platform's flood wait is honoured
    /// in full up to this: retrying earlier only earns another 429).
    public var maxRetryAfter: Duration

    /// A policy; the defaults retry 5 times over about 3 seconds, or after each retry-after.
    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(30),
                maxRetryAfter: Duration = .seconds(900)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(retryAfter, maxRetryAfter) }
        let factor = 1 << min(max(0, attempt - 1), 20)
        return min(baseDelay * factor, maxDelay)
    }
}

/// What became of a standalone message (a command reply, a notice) handed to a send queue.
public struct PostReceipt: Sendable, Equatable {
    /// The messages the channel reported as sent, one per part, in order.
    public var messages: [MessageRef]
    /// Why a part did not go out (given up after retries, or an unknown outcome that is not
    /// repeated); nil when every part was delivered.
    public var failure: String?

    /// A receipt.
    public init(messages: [MessageRef] = [], failure: String? = nil) {
        self.messages = messages
        self.failure = failure
    }

    /// True when every part reached the channel.
    public var delivered: Bool { failure == nil }
}

/// One conversation's outbound queue: the only caller of `ChatChannel.send` and `edit`. Applies
/// what it is given strictly in the order it was enqueued, one call at a time: a run's delivery
/// operations (`enqueue(runId:_:)`) and standalone messages such as command replies and notices
/// (`enqueueMessage(_:completion:)`), so a reply never overtakes output queued before it.
///
/// `enqueue` never waits (it is nonisolated and feeds an unbounded stream), so a session actor
/// handing over operations is never blocked on the network. `run()` consumes the stream:
/// - calls are paced: at least `ChannelCapabilities.minSendInterval` between the starts of two
///   calls, and each waits for the channel's own flood budget (`ChatChannel.reserveCall`) before
///   its text is chosen;
/// - a live edit superseded by a later operation of the same run and message, queued while it
///   waited, is dropped (only the newest text of a message is worth a call); a run's first send of
///   a message and its final operation are never dropped, so when a platform's budget is
///   shared by many conversations each run still shows progress and every final text arrives;
/// - a call that fails with `rateLimited` is retried after the channel's retry-after (in full, up
///   to `RetryPolicy.maxRetryAfter`), a `transient` one with exponential backoff, up to
///   `RetryPolicy.maxAttempts`, then given up and reported; later operations still go out;
/// - a send whose outcome is unknown (`ChannelError.outcomeUnknown`) is never repeated: the
///   message may exist, so it counts as sent (its checkpoint moves); the run's later live edits of
///   that message are skipped (there is no reference to edit) and only its final text is posted
///   anew, once. An edit with an unknown outcome is repeated (an edit is idempotent). An error
///   that is not a `ChannelError` counts as an unknown outcome for a send.
///
/// The checkpoint callback runs only after a send or edit succeeded (or was possibly delivered),
/// with the operation's checkpoint, so the control plane's delivery checkpoint never passes
/// output that was not handed to the platform. The checkpoint also travels in
/// `OutgoingContext.checkpoint` (destination: the conversation's canonical string), for channels
/// that write it atomically with the message.
public actor ConversationSendQueue {
    /// An operation of one run, or of a standalone message (`runId` nil).
    public struct Item: Sendable, Equatable {
        public var runId: RunID?
        public var operation: DeliveryOperation
        /// Order of enqueueing among the run's operations (0 for standalone messages).
        var ticket: UInt64 = 0
    }

    public typealias Sleep = @Sendable (Duration) async throws -> Void
    public typealias Completion = @Sendable (PostReceipt) -> Void

    /// Whose message a slot is: a run's, or one standalone message's (numbered per queue).
    private enum Owner: Hashable { case run(RunID), message(UInt64) }
    private struct SlotKey: Hashable { var owner: Owner; var slot: Int }

    /// One `enqueue` call.
    private struct Batch: Sendable {
        var owner: Owner
        var items: [Item]
        var completion: CompletionOnce?
    }

    /// Calls a batch's completion once: when it was applied, or, if the batch is dropped unapplied
    /// (the queue's task was cancelled), with a failure — a waiting poster never hangs.
    private final class CompletionOnce: Sendable {
        private let completion: Mutex<Completion?>
        init(_ completion: @escaping Completion) { self.completion = Mutex(completion) }
        func callAsFunction(_ receipt: PostReceipt) {
            let pending = completion.withLock { current -> Completion? in
                defer { current = nil }
                return current
            }
            pending?(receipt)
        }
        deinit { self(PostReceipt(failure: "the send queue stopped before this message was sent")) }
    }

    public let conversation: ConversationRef
    private let channel: any ChatChannel
    private let policy: RetryPolicy
    private let sleep: Sleep
    private let onCheckpoint: @Sendable (RunID, Int64) async -> Void
    private let onFailure: @Sendable (Item, any Error) async -> Void
    private let stream: AsyncStream<Batch>
    private let continuation: AsyncStream<Batch>.Continuation
    private let messageNumbers = Mutex<UInt64>(0)
    /// The newest ticket enqueued for each run's message slot, and the next ticket: an operation
    /// whose slot has a newer ticket is superseded.
    private let tickets = Mutex<(next: UInt64, newest: [SlotKey: UInt64])>((1, [:]))
    /// Set when `run()` stopped early (its task was cancelled): nothing queued later is applied.
    private let stopped = Mutex(false)
    /// Set by `halt()`: the call in flight completes, nothing else is sent, no wait continues.
    private let halted = Mutex(false)
    private var refs: [SlotKey: MessageRef] = [:]
    /// Slots whose send had an unknown outcome: the message may exist, but there is no reference.
    private var unknownSlots: Set<SlotKey> = []
    private var appliedBatches = 0
    private var lastCall: ContinuousClock.Instant?

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
         sleep: @escaping Sleep = { try await WatchdogTimer.sleep(for: $0) },
         checkpoint: @escaping @Sendable (RunID, Int64) async -> Void,
         failure: @escaping @Sendable (Item, any Error) async -> Void = { _, _ in }) {
        self.conversation = conversation
        self.channel = channel
        self.policy = policy
        self.sleep = sleep
        self.onCheckpoint = checkpoint
        self.onFailure = failure
        (stream, continuation) = AsyncStream.makeStream(of: Batch.self)
    }

    /// Queues a run's operations behind everything queued before. Never waits.
    public nonisolated func enqueue(runId: RunID, _ operations: [DeliveryOperation]) {
        guard !operations.isEmpty else { return }
        let items = tickets.withLock { state in
            operations.map { operation -> Item in
                let ticket = state.next
                state.next += 1
                state.newest[SlotKey(owner: .run(runId), slot: operation.slot)] = ticket
                return Item(runId: runId, operation: operation, ticket: ticket)
            }
        }
        continuation.yield(Batch(owner: .run(runId), items: items))
    }

    /// Queues a standalone message (its parts as `.send` operations of slots 0, 1, …) behind
    /// everything queued before; `completion` is called once it was applied, with what became of
    /// it (also when the queue finished without applying it). Never waits.
    public nonisolated func enqueueMessage(_ operations: [DeliveryOperation], completion: Completion? = nil) {
        guard !operations.isEmpty else {
            completion?(PostReceipt())
            return
        }
        let number = messageNumbers.withLock { value -> UInt64 in
            value += 1
            return value
        }
        let once = completion.map(CompletionOnce.init)
        let batch = Batch(owner: .message(number), items: operations.map { Item(runId: nil, operation: $0) }, completion: once)
        guard !stopped.withLock({ $0 }), case .enqueued = continuation.yield(batch) else {
            once?(PostReceipt(failure: "the conversation's send queue is closed"))
            return
        }
    }

    /// After a cancelled `run()`: later messages complete with a failure at once, and the stream
    /// ends (what it still buffers is dropped, completing its messages with a failure).
    private nonisolated func stop() {
        stopped.withLock { $0 = true }
        continuation.finish()
    }

    /// Stops taking operations; `run()` returns once the queued ones are applied.
    public nonisolated func finish() {
        continuation.finish()
    }

    /// Stops the queue soon without losing anything: the call in flight (if any) completes and is
    /// recorded as usual, a pacing or retry wait under way runs out (it is a plain sleep: a task
    /// group per paced send cost hops on every send), and nothing else is sent. What was
    /// not sent keeps its checkpoint where it was, so the next start delivers it (a run's output
    /// is in the store); a standalone message not sent yet completes with a failure. For a
    /// shutdown that must end within a bound (`DeliveryService.drainLimit`).
    public nonisolated func halt() {
        halted.withLock { $0 = true }
        stop()
    }

    private var isHalted: Bool { halted.withLock { $0 } }

    /// Applies queued operations until `finish()` (or cancellation of the calling task, or `halt()`).
    public func run() async {
        for await batch in stream {
            var receipt = PostReceipt()
            for item in batch.items {
                if Task.isCancelled || isHalted {
                    stop()
                    batch.completion?(PostReceipt(failure: isHalted ? "acpd is stopping" : "cancelled"))
                    return
                }
                switch await apply(item, owner: batch.owner) {
                case .delivered(let ref): receipt.messages.append(ref)
                case .failed(let reason): receipt.failure = receipt.failure ?? reason
                case .superseded: break
                }
            }
            if case .message = batch.owner { forget(batch.owner) }
            appliedBatches += 1
            batch.completion?(receipt)
        }
        if Task.isCancelled { stop() }
    }

    /// The queue's progress: compare `appliedBatches` with the number of `enqueue` calls.
    public var activity: Activity {
        Activity(appliedBatches: appliedBatches, tracksMessages: !refs.isEmpty || !unknownSlots.isEmpty)
    }

    private enum Applied { case delivered(MessageRef), failed(String), superseded }

    private func apply(_ item: Item, owner: Owner) async -> Applied {
        // After a run's final operation (delivered or given up) nothing edits its messages.
        defer { if item.operation.isFinal, case .run = owner { forget(owner) } }
        let operation = item.operation
        let key = SlotKey(owner: owner, slot: operation.slot)
        let context = OutgoingContext(kind: operation.kind, runId: item.runId, isFinal: operation.isFinal,
                                      checkpoint: item.runId.flatMap { run in
                                          operation.checkpoint.map {
                                              CheckpointAdvance(run: run, destination: conversation.canonical, seq: $0)
                                          }
                                      })
        if unknownSlots.contains(key), refs[key] == nil {
            // The slot's message may exist without a reference: never post it again for a live
            // update; the run's final text goes out once, as a new message.
            guard operation.isFinal else {
                await checkpoint(item)
                return .failed("the first send's outcome is unknown")
            }
            unknownSlots.remove(key)
        }
        var attempt = 0
        while true {
            attempt += 1
            // Wait for this conversation's pace and the channel's flood budget before choosing:
            // newer text may arrive meanwhile. A dropped edit costs no call and no wait.
            if !isSuperseded(item, key: key) {
                await pace()
                if !isHalted { try? await channel.reserveCall(in: conversation) }
            }
            // Halted while waiting: not sent, not checkpointed (the next start sends it).
            if isHalted { return .failed("acpd is stopping") }
            if isSuperseded(item, key: key) {
                count("superseded")
                return .superseded
            }
            lastCall = .now
            // Whether the call in flight posts a message (also the send that stands in for an edit
            // the channel cannot do): only an edit is repeated after an unknown outcome, and an
            // error the channel did not classify counts as an unknown outcome for a send.
            var sending = refs[key] == nil
            do {
                let ref: MessageRef
                // An edit, or a send of a slot adopted from before a restart: change that message.
                if let existing = refs[key] {
                    do {
                        try await channel.edit(existing, text: operation.text, buttons: operation.buttons, context: context)
                        ref = existing
                    } catch ChannelError.notSupported {
                        sending = true
                        ref = try await channel.send(to: conversation, text: operation.text,
                                                     buttons: operation.buttons, context: context)
                    }
                } else {
                    // A send, or an edit of a message whose send was given up: post it now.
                    ref = try await channel.send(to: conversation, text: operation.text,
                                                 buttons: operation.buttons, context: context)
                }
                refs[key] = ref
                count("ok")
                await checkpoint(item)
                return .delivered(ref)
            } catch where sending && Self.outcomeMayBeUnknown(error) {
                // Possibly delivered: never repeated (a duplicate is worse than a gap here).
                let reason = if case ChannelError.outcomeUnknown(let text) = error { text } else { "\(error)" }
                unknownSlots.insert(key)
                count("unknown")
                await checkpoint(item)
                await onFailure(item, ChannelError.outcomeUnknown(reason))
                return .failed("outcome unknown, not repeated: \(reason)")
            } catch {
                guard let retryAfter = Self.retryDelay(for: error), attempt < policy.maxAttempts else {
                    count("failed")
                    await onFailure(item, error)
                    return .failed("\(error)")
                }
                Counter(label: "acpd_delivery_retries_total", dimensions: [("channel", conversation.channel.rawValue)]).increment()
                do {
                    try await sleep(policy.delay(afterAttempt: attempt, retryAfter: retryAfter.value))
                } catch {
                    await onFailure(item, error)
                    return .failed("\(error)")
                }
                if isHalted { return .failed("acpd is stopping") }
            }
        }
    }

    /// True for a live edit of a message that exists when a newer operation for the same message
    /// of the run is queued: its text is out of date before it is sent. The checkpoint it carries
    /// is not advanced (the newer operation carries a later one), which is the safe direction.
    private func isSuperseded(_ item: Item, key: SlotKey) -> Bool {
        guard item.runId != nil, !item.operation.isFinal, refs[key] != nil else { return false }
        return tickets.withLock { ($0.newest[key] ?? 0) > item.ticket }
    }

    private func checkpoint(_ item: Item) async {
        if let runId = item.runId, let seq = item.operation.checkpoint { await onCheckpoint(runId, seq) }
    }

    private func count(_ result: String) {
        Counter(label: "acpd_delivery_total", dimensions: [("channel", conversation.channel.rawValue), ("result", result)]).increment()
    }

    /// Waits until `minSendInterval` has passed since the start of the previous call into this
    /// conversation (a platform's rate is counted in calls started).
    private func pace() async {
        let interval = channel.capabilities.minSendInterval
        guard interval > .zero, let lastCall else { return }
        let wait = interval - (ContinuousClock.now - lastCall)
        if wait > .zero { try? await sleep(wait) }
    }

    /// Takes over the messages a run already has in this conversation (from before a restart),
    /// as its slots 0, 1, … in order: operations for those slots edit them instead of posting new
    /// ones. Call before the run's operations are enqueued.
    public func adopt(runId: RunID, messages: [MessageRef]) {
        for (slot, ref) in messages.enumerated() { refs[SlotKey(owner: .run(runId), slot: slot)] = ref }
    }

    /// Drops the message references of a finished run or an applied standalone message.
    private func forget(_ owner: Owner) {
        refs = refs.filter { $0.key.owner != owner }
        unknownSlots = unknownSlots.filter { $0.owner != owner }
        if case .run = owner { tickets.withLock { $0.newest = $0.newest.filter { $0.key.owner != owner } } }
    }

    private struct RetryAfter { var value: Duration? }

    /// True for `outcomeUnknown` and for errors a channel let through without classifying them
    /// (a raw timeout may have struck after the request left).
    private static func outcomeMayBeUnknown(_ error: any Error) -> Bool {
        switch error {
        case ChannelError.outcomeUnknown: true
        case is ChannelError, is CancellationError: false
        default: true
        }
    }

    /// Nil when `error` is not worth retrying; else the channel's retry-after, if any.
    private static func retryDelay(for error: any Error) -> RetryAfter? {
        switch error {
        case ChannelError.rateLimited(let after): RetryAfter(value: after)
        case ChannelError.transient, ChannelError.outcomeUnknown: RetryAfter(value: nil)
        case ChannelError.permanent, ChannelError.notSupported: nil
        case is CancellationError: nil
        default: RetryAfter(value: nil)
        }
    }
}
