import ACPControlPlane
import Foundation
import Logging

/// Delivers agent output to chat: follows the control plane's event stream, keeps one
/// `DeliveryProjector` per (run, destination conversation) and one `ConversationSendQueue` per
/// conversation, ticks projectors at their `nextDeadline`, and advances the delivery checkpoint
/// after each successful send (the send queue's callback), so the checkpoint never passes
/// undelivered output.
///
/// Output goes only to the conversation the run came from (`RunRecord.conversation`); a run
/// without one, or whose channel is not running, is not delivered (fail closed). At start-up the
/// undelivered events of finished runs are offered again from their checkpoints, so nothing is
/// delivered twice. Every outgoing text is redacted before the projector splits it.
public actor DeliveryService {
    let config: ACPDConfig
    let manager: SessionManager
    let store: ControlPlaneStore
    let channels: [ConversationRef.Channel: any ChatChannel]
    let logger: Logger
    let redactor: Redactor
    /// How often held text is checked against its deadline.
    let tickInterval: Duration
    private var runs: [RunID: RunDelivery] = [:]
    private var queues: [String: ConversationSendQueue] = [:]
    private var queueTasks: [Task<Void, Never>] = []

    /// One run's projection towards its conversation.
    private struct RunDelivery {
        var conversation: ConversationRef
        var projector: DeliveryProjector
        /// The last event seq handed to the projector (events at or below it are skipped).
        var handledSeq: Int64
    }

    /// A service over `manager`'s event stream and `store`'s checkpoints, delivering through
    /// `channels` (one per channel kind).
    public init(config: ACPDConfig, manager: SessionManager, store: ControlPlaneStore, channels: [any ChatChannel],
                logger: Logger, tickInterval: Duration = .milliseconds(50)) {
        self.config = config
        self.manager = manager
        self.store = store
        var byKind: [ConversationRef.Channel: any ChatChannel] = [:]
        for channel in channels { byKind[channel.kind] = channel }
        self.channels = byKind
        self.logger = logger
        redactor = Redactor(config: config)
        self.tickInterval = tickInterval
    }

    /// Offers undelivered output of finished runs again, then follows new events until the
    /// calling task is cancelled; then lets the send queues drain what they hold.
    public func run() async {
        let events = manager.subscribe(nil)
        resumePending()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: tickInterval)
                    await tick()
                }
            }
            for await event in events {
                if Task.isCancelled { break }
                handle(event)
            }
            group.cancelAll()
        }
        for queue in queues.values { queue.finish() }
        for task in queueTasks { await task.value }
    }

    /// Starts projections for finished runs whose output did not all reach their conversation.
    private func resumePending() {
        let pending: [PendingDelivery]
        do { pending = try store.pendingDeliveries() } catch {
            logger.error("pending deliveries unavailable", metadata: ["error": "\(error)"])
            return
        }
        for item in pending {
            guard let conversation = item.run.conversation, conversation.canonical == item.destination else { continue }
            do {
                for event in try store.events(run: item.run.id, after: item.deliveredSeq) {
                    handle(event, conversation: conversation)
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
        guard let runId = event.runId, let channel = channels[conversation.channel] else { return }
        var delivery = runs[runId] ?? RunDelivery(
            conversation: conversation,
            projector: DeliveryProjector(settings: ProjectorSettings(stream: config.acp.stream, channel: channel.capabilities)),
            handledSeq: 0)
        guard event.seq > delivery.handledSeq, delivery.conversation == conversation else { return }
        delivery.handledSeq = event.seq
        let operations = delivery.projector.handle(redacted(event.payload), seq: event.seq, now: .now)
        if delivery.projector.finished { runs[runId] = nil } else { runs[runId] = delivery }
        send(operations, run: runId, to: conversation, channel: channel)
    }

    /// Flushes held text whose deadline passed.
    private func tick() {
        let now = ContinuousClock.now
        for (runId, var delivery) in runs {
            guard let deadline = delivery.projector.nextDeadline, deadline <= now else { continue }
            let operations = delivery.projector.tick(now: now)
            runs[runId] = delivery
            if let channel = channels[delivery.conversation.channel] {
                send(operations, run: runId, to: delivery.conversation, channel: channel)
            }
        }
    }

    private func send(_ operations: [DeliveryOperation], run: RunID, to conversation: ConversationRef, channel: any ChatChannel) {
        guard !operations.isEmpty else { return }
        let operations = operations.map { operation in
            var operation = operation
            operation.text = redactor.redact(operation.text)
            return operation
        }
        queue(for: conversation, channel: channel).enqueue(runId: run, operations)
    }

    private func queue(for conversation: ConversationRef, channel: any ChatChannel) -> ConversationSendQueue {
        if let queue = queues[conversation.canonical] { return queue }
        let destination = conversation.canonical
        let store = store
        let logger = logger
        let queue = ConversationSendQueue(conversation: conversation, channel: channel, checkpoint: { run, seq in
            do { _ = try store.advanceCheckpoint(run: run, destination: destination, to: seq) } catch {
                logger.error("checkpoint not advanced", metadata: ["run": "\(run)", "error": "\(error)"])
            }
        }, failure: { item, error in
            logger.warning("delivery given up", metadata: ["run": "\(item.runId)", "conversation": "\(destination)", "error": "\(error)"])
        })
        queues[destination] = queue
        queueTasks.append(Task { await queue.run() })
        return queue
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
