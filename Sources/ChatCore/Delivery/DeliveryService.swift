import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle

/// Sends everything acpd says in chat, through one send queue per conversation (the only caller
/// of `ChatChannel.send`): agent output, and standalone messages (command replies, notices, owner
/// notices) handed to `post`.
///
/// Agent output: follows the control plane's event stream, keeps one
/// `DeliveryProjector` per (run, destination conversation) and one `ConversationSendQueue` per
/// conversation, ticks projectors at their `nextDeadline`, and advances the delivery checkpoint
/// after each successful send (the send queue's callback), so the checkpoint never passes
/// undelivered output.
///
/// Output goes only to the conversation the run came from (`RunRecord.conversation`); a run
/// without one, or whose channel is not running, is not delivered (fail closed). At start-up the
/// undelivered events of finished runs are offered again from their checkpoints, so nothing is
/// delivered twice. Every outgoing text is redacted before the projector splits it.
///
/// As a `Service` it runs until graceful shutdown (or cancellation), then drains: in the daemon it
/// stops last among the chat parts, after the runtimes, so what the runs left is sent. The drain
/// is bounded (`drainLimit`): a backlog a platform's pacing would take longer to send (Telegram
/// allows a group 20 messages a minute) stays in the store behind its checkpoints and goes out at
/// the next start, so a service manager's stop timeout never kills acpd mid-send.
public actor DeliveryService: Service, ChatOutbox {
    /// The config in force: `acp.stream` applies to runs whose delivery starts after a reload.
    private(set) var config: ACPDConfig
    let manager: SessionManager
    let store: ControlPlaneStore
    let channels: ChannelSet
    let logger: Logger
    /// The redactor in force, shared with the projectors so that a reload's new secrets are
    /// hidden from every later send, also of runs already streaming.
    public nonisolated let redaction: RedactorBox
    var redactor: Redactor { redaction.current }
    /// How often held text is checked against its deadline.
    let tickInterval: Duration
    /// How long a conversation's send queue may stay idle (empty, no run's messages still
    /// editable) before it is dropped; the next operation there starts a new one.
    let queueIdleTimeout: Duration
    /// How long the drain at shutdown may send before the send queues are halted (each finishes
    /// its call in flight; the rest waits for the next start).
    let drainLimit: Duration
    private var runs: [RunID: RunDelivery] = [:]
    /// Each followed run's `projector.nextDeadline` (runs without one are absent), kept beside
    /// `runs` so that `tick` reads a few instants instead of copying every run's delivery.
    private var deadlines: [RunID: ContinuousClock.Instant] = [:]
    private var queues: [String: QueueEntry] = [:]
    private var lastQueueSweep = ContinuousClock.now

    /// A conversation's send queue, the task applying it, and what was handed to it.
    private struct QueueEntry {
        let queue: ConversationSendQueue
        let task: Task<Void, Never>
        var enqueuedBatches = 0
        var lastUsed: ContinuousClock.Instant
    }

    /// One run's projection towards its conversation.
    private struct RunDelivery {
        var conversation: ConversationRef
        var projector: DeliveryProjector
        /// The last event seq handed to the projector (events at or below it are skipped).
        var handledSeq: Int64
        /// Permission requests of the run still unanswered: no typing indicator while it waits for a person.
        var openPermissions = 0
    }

    /// When each conversation last showed activity (`ChatChannel.showActivity`).
    private var lastActivity: [String: ContinuousClock.Instant] = [:]

    /// A service over `manager`'s event stream and `store`'s checkpoints, delivering through
    /// `channels` (one per channel kind).
    public init(config: ACPDConfig, manager: SessionManager, store: ControlPlaneStore, channels: [any ChatChannel],
                logger: Logger, tickInterval: Duration = .milliseconds(50), queueIdleTimeout: Duration = .seconds(60),
                drainLimit: Duration = DeliveryService.defaultDrainLimit) {
        self.config = config
        self.manager = manager
        self.store = store
        self.channels = ChannelSet(channels)
        self.logger = logger
        redaction = RedactorBox(Redactor(config: config))
        self.tickInterval = tickInterval
        self.drainLimit = drainLimit
        self.queueIdleTimeout = queueIdleTimeout
    }

    /// Offers undelivered output of finished runs again, then follows new events until the
    /// calling task is cancelled or the event stream ends; then drains (see `drain()`) and
    /// returns once everything it took on was sent (or given up) and checkpointed. The following
    /// ends with the event stream (the control plane stopped: in the daemon that happens before
    /// delivery's turn at shutdown) or with cancellation; it then drains, and returns once graceful
    /// shutdown reached it (or at once when cancelled).
    public func run() async {
        // The event stream ends when the control plane stops (before delivery's turn at shutdown)
        // or when this task is cancelled; no per-event graceful-shutdown wrapper on the hot path.
        let events = manager.subscribe(nil)
        await resumePending()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await WatchdogTimer.sleep(for: tickInterval)
                    await tick()
                }
            }
            group.addTask { [self] in await showActivity() }
            for await event in events {
                if Task.isCancelled { break }
                handle(event)
            }
            group.cancelAll()
        }
        await drain()
        // A service returns only once shutdown reached it (the event stream also ends when the
        // control plane stops, which happens before delivery's turn).
        try? await gracefulShutdown()
    }

    /// Shutdown: catches up on events the stream did not hand over (a cancelled stream drops
    /// what it buffered) from the store, flushes the held text of runs still going, waits for
    /// every send queue, then offers finished runs that are still behind their checkpoint (runs
    /// that ended while this happened) once more and waits again.
    private func drain() async {
        let deadline = ContinuousClock.now + drainLimit
        for (runId, delivery) in runs {
            do {
                for event in try store.events(run: runId, after: delivery.handledSeq) {
                    handle(event, conversation: delivery.conversation)
                }
            } catch {
                logger.error("events unavailable", metadata: ["run": "\(runId)", "error": "\(error)"])
            }
        }
        for (runId, var delivery) in runs {
            guard let deadline = delivery.projector.nextDeadline else { continue }
            let operations = delivery.projector.tick(now: deadline)
            deadlines[runId] = delivery.projector.nextDeadline
            runs[runId] = delivery
            if let channel = channels.channel(for: delivery.conversation) {
                send(operations, run: runId, to: delivery.conversation, channel: channel)
            }
        }
        await finishQueues(by: deadline)
        guard ContinuousClock.now < deadline else {
            logger.notice("shutdown: delivery stopped at its limit; the rest goes out at the next start",
                          metadata: ["limit": "\(drainLimit)"])
            return
        }
        await resumePending(skipping: Set(runs.keys))
        await finishQueues(by: deadline)
    }

    /// The drain's bound by default: well inside systemd's default stop timeout (90 s).
    public static let defaultDrainLimit: Duration = .seconds(25)

    /// Closes every send queue and waits until each applied what it holds, or until `deadline`:
    /// then the queues are halted (each call in flight completes and is recorded; nothing else is sent).
    private func finishQueues(by deadline: ContinuousClock.Instant) async {
        let entries = queues
        queues.removeAll()
        for entry in entries.values { entry.queue.finish() }
        let halter = Task {
            try? await Task.sleep(until: deadline)
            guard !Task.isCancelled else { return }
            for entry in entries.values { entry.queue.halt() }
        }
        for entry in entries.values { await entry.task.value }
        halter.cancel()
    }

    /// Starts projections for finished runs whose output did not all reach their conversation
    /// (except `skipping`: runs this service already follows).
    ///
    /// A run that has messages recorded in this store (the http channel's message log, or the
    /// platform message ids Telegram records while a run streams) is re-rendered from its first event over those messages: the queue adopts
    /// them as the run's slots, so the projection edits them in place (identical text is a no-op)
    /// and only what is missing becomes new. Exact even where a delivered message got ahead of the
    /// checkpoint (a flush of several messages, a held-back word). Other runs go on from the
    /// checkpoint.
    private func resumePending(skipping: Set<RunID> = []) async {
        let pending: [PendingDelivery]
        do { pending = try store.pendingDeliveries() } catch {
            logger.error("pending deliveries unavailable", metadata: ["error": "\(error)"])
            return
        }
        for item in pending where !skipping.contains(item.run.id) {
            guard let conversation = item.run.conversation, conversation.canonical == item.destination,
                  let channel = channels.channel(for: conversation) else { continue }
            do {
                var after = item.deliveredSeq
                let delivered = try store.channelMessages(of: item.run.id, in: conversation)
                if !delivered.isEmpty {
                    let refs = delivered.map { MessageRef(conversation: conversation, messageId: $0.id) }
                    await queueEntry(for: conversation, channel: channel).queue.adopt(runId: item.run.id, messages: refs)
                    after = 0
                }
                while true {
                    let events = try store.events(run: item.run.id, after: after)
                    guard let last = events.last else { break }
                    for event in events { handle(event, conversation: conversation) }
                    after = last.seq
                }
            } catch {
                logger.error("events unavailable", metadata: ["run": "\(item.run.id)", "error": "\(error)"])
            }
        }
    }

    /// Feeds one committed event to its run's projector.
    private func handle(_ event: ControlPlaneEvent) {
        guard event.runId != nil else { return }
        guard let conversation = event.conversation else {
            logger.debug("run without a conversation: output not delivered", metadata: ["session": "\(event.sessionKey)"])
            return
        }
        handle(event, conversation: conversation)
    }

    private func handle(_ event: ControlPlaneEvent, conversation: ConversationRef) {
        guard let runId = event.runId, let channel = channels.channel(for: conversation) else { return }
        // Taken out of the dictionary while it changes: a copy left in it would make the
        // projector's first change copy its transcript (every event of a long answer).
        let existing = runs.removeValue(forKey: runId)
        var delivery = existing ?? RunDelivery(
            conversation: conversation,
            projector: DeliveryProjector(settings: ProjectorSettings(stream: config.acp.stream, channel: channel.capabilities),
                                         redact: { [redaction] in redaction.current.redact($0) },
                                         secretPrefix: { [redaction] in redaction.current.pendingSecretPrefix(in: $0) }),
            handledSeq: 0)
        guard event.seq > delivery.handledSeq, delivery.conversation == conversation else {
            if let existing { runs[runId] = existing }
            return
        }
        delivery.handledSeq = event.seq
        switch event.payload {
        case .permissionRequested: delivery.openPermissions += 1
        case .permissionResolved: delivery.openPermissions = max(0, delivery.openPermissions - 1)
        case .elicitation(.requested): delivery.openPermissions += 1
        case .elicitation(.resolved): delivery.openPermissions = max(0, delivery.openPermissions - 1)
        default: break
        }
        let operations = delivery.projector.handle(redacted(event.payload), seq: event.seq, now: .now)
        if delivery.projector.finished {
            runs[runId] = nil
            deadlines[runId] = nil
        } else {
            deadlines[runId] = delivery.projector.nextDeadline
            runs[runId] = delivery
        }
        send(operations, run: runId, to: conversation, channel: channel)
    }

    /// While a run is active in a conversation (started, not ended, not waiting for a permission
    /// answer), shows the channel's activity indicator there every `activityInterval`, until
    /// cancelled. The calls of one round run concurrently; a slow one delays only the next round.
    private func showActivity() async {
        while !Task.isCancelled {
            try? await WatchdogTimer.sleep(for: .milliseconds(500))
            let due = dueActivity(now: .now)
            guard !due.isEmpty else { continue }
            await withDiscardingTaskGroup { group in
                for (channel, conversation) in due {
                    group.addTask { await channel.showActivity(in: conversation) }
                }
            }
        }
    }

    /// The conversations whose activity indicator is due now (marked as shown).
    private func dueActivity(now: ContinuousClock.Instant) -> [(any ChatChannel, ConversationRef)] {
        var due: [(any ChatChannel, ConversationRef)] = []
        var active: Set<String> = []
        // Two fields read in place: `for delivery in runs.values` copied every followed run's
        // delivery (projector and transcript) twice a second.
        for index in runs.indices where runs.values[index].openPermissions == 0 {
            let conversation = runs.values[index].conversation
            guard let channel = channels.channel(for: conversation), let interval = channel.capabilities.activityInterval else { continue }
            let destination = conversation.canonical
            guard active.insert(destination).inserted else { continue }
            if let last = lastActivity[destination], now - last < interval { continue }
            lastActivity[destination] = now
            due.append((channel, conversation))
        }
        lastActivity = lastActivity.filter { active.contains($0.key) }
        return due
    }

    /// Flushes held text whose deadline passed; now and then drops idle send queues.
    private func tick() async {
        let now = ContinuousClock.now
        // The due runs from `deadlines` (iterating `runs` copied every followed run's delivery,
        // 20 times a second); a due run is taken out while its projector changes, so its
        // transcript is not copied either.
        let due = deadlines.compactMap { $0.value <= now ? $0.key : nil }
        for runId in due {
            guard var delivery = runs.removeValue(forKey: runId) else {
                deadlines[runId] = nil
                continue
            }
            let operations = delivery.projector.tick(now: now)
            deadlines[runId] = delivery.projector.nextDeadline
            runs[runId] = delivery
            if let channel = channels.channel(for: delivery.conversation) {
                send(operations, run: runId, to: delivery.conversation, channel: channel)
            }
        }
        if now - lastQueueSweep >= queueIdleTimeout / 2 {
            lastQueueSweep = now
            await dropIdleQueues(now: now)
        }
    }

    /// Drops the send queues unused for `queueIdleTimeout` that applied everything handed to
    /// them and hold no run's editable messages. Ordering is kept: a dropped queue is empty, and
    /// the conversation's next operation goes to a new queue.
    private func dropIdleQueues(now: ContinuousClock.Instant) async {
        let followed = Set(runs.values.map(\.conversation.canonical))
        for (destination, entry) in queues where now - entry.lastUsed >= queueIdleTimeout && !followed.contains(destination) {
            let activity = await entry.queue.activity
            // Re-check after the suspension: an operation may have been queued meanwhile.
            guard let current = queues[destination], current.queue === entry.queue,
                  activity.appliedBatches == current.enqueuedBatches, !activity.tracksMessages,
                  !runs.values.contains(where: { $0.conversation.canonical == destination }) else { continue }
            queues[destination] = nil
            current.queue.finish()
        }
    }

    /// Applies a reloaded config (SIGHUP): its secrets are redacted from the next send on, in
    /// every run; its `acp.stream` settings apply to runs whose delivery starts afterwards (a
    /// run already streaming keeps the settings it started with).
    public func apply(_ newConfig: ACPDConfig) {
        config = newConfig
        redaction.current = Redactor(config: newConfig)
    }

    /// Posts a standalone message (a command reply, a notice) to `conversation` through its send
    /// queue, behind everything queued there before: redacted, split to the channel's limit (the
    /// buttons go under the last part), paced and retried like agent output. Returns once it was
    /// applied, with what became of it; a conversation without a running channel is refused.
    public func post(_ text: String, to conversation: ConversationRef, kind: OutgoingContext.Kind,
                     buttons: [[ChatButton]] = []) async -> PostReceipt {
        guard let channel = channels.channel(for: conversation) else {
            return PostReceipt(failure: "no \(conversation.channel.rawValue) channel runs for account \(conversation.accountId)")
        }
        let parts = TextSplitter(limit: channel.capabilities.maxMessageLength).split(redactor.redact(text))
        let operations = parts.enumerated().map { slot, part in
            DeliveryOperation(.send, slot: slot, text: part, buttons: slot == parts.count - 1 ? buttons : [], kind: kind)
        }
        var entry = queueEntry(for: conversation, channel: channel)
        entry.enqueuedBatches += 1
        entry.lastUsed = .now
        queues[conversation.canonical] = entry
        let queue = entry.queue
        let receipt = await withCheckedContinuation { (waiter: CheckedContinuation<PostReceipt, Never>) in
            queue.enqueueMessage(operations) { waiter.resume(returning: $0) }
        }
        if let failure = receipt.failure {
            logger.warning("message not delivered", metadata: ["conversation": "\(conversation.canonical)", "error": "\(failure)"])
        }
        return receipt
    }

    /// How many conversations have a send queue (tests and diagnostics).
    public var queueCount: Int { queues.count }

    private func send(_ operations: [DeliveryOperation], run: RunID, to conversation: ConversationRef, channel: any ChatChannel) {
        guard !operations.isEmpty else { return }
        let operations = operations.map { operation in
            var operation = operation
            operation.text = redactor.redact(operation.text)
            return operation
        }
        let destination = conversation.canonical
        var entry = queueEntry(for: conversation, channel: channel)
        entry.enqueuedBatches += 1
        entry.lastUsed = .now
        queues[destination] = entry
        entry.queue.enqueue(runId: run, operations)
    }

    /// The conversation's send queue, started (and registered) when there is none.
    private func queueEntry(for conversation: ConversationRef, channel: any ChatChannel) -> QueueEntry {
        if let entry = queues[conversation.canonical] { return entry }
        let entry = makeQueue(for: conversation, channel: channel)
        queues[conversation.canonical] = entry
        return entry
    }

    private func makeQueue(for conversation: ConversationRef, channel: any ChatChannel) -> QueueEntry {
        let destination = conversation.canonical
        let store = store
        let logger = logger
        let queue = ConversationSendQueue(conversation: conversation, channel: channel, checkpoint: { run, seq in
            do { _ = try store.advanceCheckpoint(run: run, destination: destination, to: seq) } catch {
                logger.error("checkpoint not advanced", metadata: ["run": "\(run)", "error": "\(error)"])
            }
        }, failure: { item, error in
            logger.warning("delivery given up", metadata: ["run": "\(item.runId.map(\.rawValue) ?? "-")", "conversation": "\(destination)", "error": "\(error)"])
        })
        return QueueEntry(queue: queue, task: Task { await queue.run() }, lastUsed: .now)
    }

    /// The payload with every chat-visible text redacted (before the projector splits it).
    private func redacted(_ payload: EventPayload) -> EventPayload {
        switch payload {
        case .text(var delta):
            delta.text = redactor.redact(delta.text)
            return .text(delta)
        case .toolCall(var info):
            info.title = info.title.map(redactor.redact)
            return .toolCall(info)
        case .notice(let text): return .notice(redactor.redact(text))
        case .contextLost(let reason): return .contextLost(reason: redactor.redact(reason))
        case .failed(let code, let message): return .failed(code: code, message: redactor.redact(message))
        default: return payload
        }
    }
}
