import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle

/// The one inbound path of every channel (ARCHITECTURE.md "One message, end to end"):
/// idempotency reserve → binding resolution → `InboundGate` (access, rate limit, /auth) →
/// command handler or prompt → idempotency completion with the outcome.
///
/// An actor: the gate's per-sender state lives here. A replayed idempotency key returns the
/// first outcome and does nothing else, across restarts (the key is stored). Command replies are
/// redacted and posted to the conversation through the outbox (its send queue, behind the output
/// queued there); agent output is delivered by `DeliveryService`, never by the router.
///
/// As a `Service` it consumes every channel's `inbound` until the streams end (the channels stop
/// intake first at shutdown) or graceful shutdown reaches it.
public actor InboundRouter: Service {
    /// Returns the text of `/acp doctor` (the daemon runs its checks).
    public typealias DoctorSummary = @Sendable () async -> String
    /// Tells the owners about something (a new pairing request); `text` is already redacted.
    public typealias OwnerNotifier = @Sendable (_ text: String) async -> Void

    private(set) var config: ACPDConfig
    let manager: SessionManager
    let store: ControlPlaneStore
    let bindings: ControlPlaneBindings
    let channels: ChannelSet
    /// Where replies and notices go: the conversations' send queues.
    let outbox: any ChatOutbox
    let logger: Logger
    let doctorSummary: DoctorSummary
    /// The notifier given at init; nil: `notifyOwnersDirectly`.
    let ownerNotifier: OwnerNotifier?
    private(set) var redactor: Redactor
    private(set) var resolver: BindingResolver
    var gate: InboundGate
    var handledCount = 0
    /// Messages waiting for the outcome of an earlier message with the same idempotency key.
    private var waiters: [IdempotencyKey: [UUID: CheckedContinuation<InboundOutcome?, Never>]] = [:]
    /// Keys whose reply this process is posting now (a replay meanwhile must not post it too).
    private var postingReplies: Set<IdempotencyKey> = []

    /// A router over the daemon's parts. `doctorSummary` defaults to a pointer at `acpd doctor`;
    /// `notifyOwners` defaults to a direct message to every owner whose channel has them, plus
    /// the log (`notifyOwnersDirectly`).
    public init(config: ACPDConfig, manager: SessionManager, store: ControlPlaneStore, bindings: ControlPlaneBindings,
                channels: [any ChatChannel], outbox: any ChatOutbox, logger: Logger, doctorSummary: DoctorSummary? = nil,
                notifyOwners: OwnerNotifier? = nil) {
        self.config = config
        self.manager = manager
        self.store = store
        self.bindings = bindings
        self.channels = ChannelSet(channels)
        self.outbox = outbox
        self.logger = logger
        self.doctorSummary = doctorSummary ?? { "OK: run `acpd doctor` on the host for the full report" }
        ownerNotifier = notifyOwners
        redactor = Redactor(config: config)
        resolver = BindingResolver(index: BindingIndex(config: config), lookup: bindings, logger: logger)
        gate = InboundGate(config.access)
    }

    /// Applies a reloaded config (SIGHUP): routing, access rules and redaction follow it from the
    /// next message on. Per-sender rate-limit and `/auth` state is kept unless `access` changed.
    public func apply(_ newConfig: ACPDConfig) {
        if newConfig.access != config.access { gate = InboundGate(newConfig.access) }
        config = newConfig
        redactor = Redactor(config: newConfig)
        resolver = BindingResolver(index: BindingIndex(config: newConfig), lookup: bindings, logger: logger)
    }

    /// How many inbound messages of one channel are handled at once (different conversations;
    /// one conversation's messages always go one at a time, in arrival order).
    public static let inFlightPerChannel = 32

    /// Consumes every channel's `inbound` stream until they end, graceful shutdown, or
    /// cancellation of the calling task, completing each message with its outcome. A slow command
    /// in one conversation (a spawn waiting for its agent) does not hold up the others; within a
    /// conversation, messages are handled in the order they arrived. Messages already read are
    /// handled to the end before this returns, which is at graceful shutdown or cancellation.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for channel in channels.all {
                group.addTask { [self] in
                    let lanes = ConversationLanes(limit: Self.inFlightPerChannel)
                    await withDiscardingTaskGroup { handlers in
                        // No graceful-shutdown wrapper on the stream (it costs hops per message): a
                        // channel ends its stream at its own graceful shutdown, which comes first.
                        for await inbound in channel.inbound {
                            if Task.isCancelled {
                                inbound.complete(nil)
                                break
                            }
                            let ticket = await lanes.enter(inbound.message.conversation)
                            handlers.addTask { [self] in
                                if !ticket.isFirst { await lanes.wait(for: ticket) }
                                inbound.complete(await self.handle(inbound.message, channel: channel))
                                lanes.done(with: ticket)
                            }
                        }
                    }
                }
            }
        }
        // The channels stop first at shutdown, ending their streams; a service returns only once
        // shutdown reached it.
        try? await gracefulShutdown()
    }

    /// Handles one inbound message end to end and returns what happened. Never throws: failures
    /// become `ERROR: <CODE>: …` replies.
    public func handle(_ message: InboundMessage, channel: any ChatChannel) async -> InboundOutcome {
        let conversation = message.conversation
        return await LogCorrelation.with([
            "channel": "\(conversation.channel.rawValue)", "account": "\(conversation.accountId)",
            "conversation": "\(conversation.conversationId)", "sender": "\(message.senderId)",
        ]) { await handleCorrelated(message, channel: channel) }
    }

    private func handleCorrelated(_ message: InboundMessage, channel: any ChatChannel) async -> InboundOutcome {
        let conversation = message.conversation
        let key = IdempotencyKey(scope: "\(conversation.channel.rawValue):\(conversation.accountId)", key: message.idempotencyKey)
        let ttl = TimeInterval(ConfigLimits.clamp(config.acp.idempotencyTTLHours, to: ConfigLimits.idempotencyTTLHours)) * 3600
        do {
            switch try store.reserve(key, ttl: ttl) {
            case .completed(let result):
                var first = InboundOutcome(stored: result)
                if let request = first.request, request != InboundOutcome.fingerprint(message) { return .keyConflict }
                if first.replyPending == true, let reply = first.reply, !message.repliesInline, !postingReplies.contains(key) {
                    // The first handling recorded its reply and stopped before posting it (a crash):
                    // post it now, once.
                    await postReply(reply, to: conversation, key: key, stored: first)
                }
                first.request = nil
                first.replyPending = nil
                return first
            case .inProgress:
                // The same key is being handled right now (by this process: recovery drops
                // reservations a crash left). Answer what the first one answers, never a reply
                // that looks final and is not.
                guard var first = await firstOutcome(of: key, within: Self.inFlightWait) else { return .inProgress }
                if let request = first.request, request != InboundOutcome.fingerprint(message) { return .keyConflict }
                first.request = nil
                return first
            case .new: break
            }
        } catch {
            logger.error("idempotency reserve failed", metadata: ["error": "\(error)"])
            return await finish(InboundOutcome(accepted: true, reply: ChatReply.error("the state store is unavailable, try again later")),
                                conversation: conversation, channel: channel, key: nil, postsReply: !message.repliesInline)
        }
        let outcome = await process(message, channel: channel)
        logger.debug("message handled", metadata: [
            "accepted": "\(outcome.accepted)", "run": "\(outcome.runId.map { "\($0)" } ?? "-")",
            "result": "\(Self.auditResult(outcome))",
        ])
        auditCommand(message, outcome)
        return await finish(outcome, conversation: conversation, channel: channel, key: key,
                            request: InboundOutcome.fingerprint(message), postsReply: !message.repliesInline)
    }

    /// Records the outcome under `key` (with the fingerprint of the `request` it answers), then
    /// posts the reply (redacted; unless the channel shows it itself, `postsReply` false) and
    /// returns once it was applied: a redelivered message finds the outcome and never causes a
    /// second reply.
    private func finish(_ outcome: InboundOutcome, conversation: ConversationRef, channel: any ChatChannel,
                        key: IdempotencyKey?, request: String? = nil, postsReply: Bool = true) async -> InboundOutcome {
        var outcome = outcome
        outcome.reply = outcome.reply.map(redactor.redact)
        if let key, outcome.refusal == .rateLimited {
            // Refused for now, not handled: a retry with the same key is a new attempt.
            do { try store.release(key) } catch {
                logger.error("idempotency release failed", metadata: ["error": "\(error)"])
            }
        } else if let key {
            var stored = outcome
            stored.request = request
            if outcome.reply != nil, postsReply {
                stored.replyPending = true
                postingReplies.insert(key)
            }
            do { try store.complete(key, result: stored.stored) } catch {
                logger.error("idempotency complete failed", metadata: ["error": "\(error)"])
            }
        }
        if let key {
            var first = outcome
            first.request = request
            resumeWaiters(of: key, with: first)
        }
        if let reply = outcome.reply, postsReply {
            if let key, outcome.refusal != .rateLimited {
                var stored = outcome
                stored.request = request
                await postReply(reply, to: conversation, key: key, stored: stored)
            } else {
                await outbox.post(reply, to: conversation, kind: .command)
            }
        }
        return outcome
    }

    /// Posts a recorded reply, then marks it posted in the stored outcome. A crash in between
    /// means a redelivery posts it again: a rare repeat, where the other order would lose it.
    private func postReply(_ reply: String, to conversation: ConversationRef, key: IdempotencyKey, stored: InboundOutcome) async {
        postingReplies.insert(key)
        defer { postingReplies.remove(key) }
        await outbox.post(reply, to: conversation, kind: .command)
        var posted = stored
        posted.replyPending = nil
        do { try store.complete(key, result: posted.stored) } catch {
            logger.error("idempotency complete failed", metadata: ["error": "\(error)"])
        }
    }

    /// How long a message whose idempotency key is in flight waits for the first one's outcome
    /// before it is answered `inProgress` (retry later).
    static let inFlightWait: Duration = .seconds(30)

    /// The outcome of the message now handling `key` (with its request fingerprint), or nil when
    /// it did not come within `limit`. The waiter is registered before this suspends (the
    /// continuation's body runs on the actor at once), so a first handler that finishes right
    /// after can never miss it.
    func firstOutcome(of key: IdempotencyKey, within limit: Duration) async -> InboundOutcome? {
        let token = UUID()
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: limit)
            await self?.resumeWaiter(of: key, token: token, with: nil)
        }
        defer { timeout.cancel() }
        return await withCheckedContinuation { waiters[key, default: [:]][token] = $0 }
    }

    private func resumeWaiter(of key: IdempotencyKey, token: UUID, with outcome: InboundOutcome?) {
        guard let waiter = waiters[key]?.removeValue(forKey: token) else { return }
        if waiters[key]?.isEmpty == true { waiters[key] = nil }
        waiter.resume(returning: outcome)
    }

    private func resumeWaiters(of key: IdempotencyKey, with outcome: InboundOutcome) {
        guard let waiting = waiters.removeValue(forKey: key) else { return }
        for waiter in waiting.values { waiter.resume(returning: outcome) }
    }
}
