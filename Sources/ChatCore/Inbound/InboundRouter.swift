import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle
import Synchronization

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
    /// Version, start time, log ring and shell of the daemon (`install(_:)`), for the operator commands.
    var operatorTools = OperatorTools()
    var handledCount = 0
    /// The idempotency keys being handled now, and the messages waiting for their outcome.
    let claims = InboundClaims()
    /// The session each conversation last resolved to (`intakeExecutor`).
    let sessionOfConversation = Mutex<[ConversationRef: SessionKey]>([:])
    /// How long an outcome stored with its idempotency key counts (`acp.idempotency.ttlHours`),
    /// readable off the actor.
    let intakeTTL: Mutex<TimeInterval>

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
        intakeTTL = Mutex(IntakeKey.ttl(config))
    }

    /// Applies a reloaded config (SIGHUP): routing, access rules and redaction follow it from the
    /// next message on. Per-sender rate-limit and `/auth` state is kept unless `access` changed.
    public func apply(_ newConfig: ACPDConfig) {
        if newConfig.access != config.access { gate = InboundGate(newConfig.access) }
        config = newConfig
        intakeTTL.withLock { $0 = IntakeKey.ttl(newConfig) }
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
                            // Where the channel asked for (the http channel: the request's own loop),
                            // else conversations spread over the executors (with the event loops as
                            // the global executor, a child task would otherwise run on this loop).
                            let executor = inbound.executor ?? intakeExecutor(for: inbound.message.conversation)
                            handlers.addTask(executorPreference: executor) { [self] in
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

    /// Where a conversation's messages are handled when the channel does not say: on the loop of
    /// the session it was last resolved to (its run and its agent are there, so handing the
    /// prompt over stays on one thread, and a session flooding another loop is not in the way);
    /// before that, on the conversation's own hash.
    nonisolated func intakeExecutor(for conversation: ConversationRef) -> (any TaskExecutor)? {
        if let key = sessionOfConversation.withLock({ $0[conversation] }) { return TaskAffinity.executor(for: key) }
        return TaskAffinity.executor(named: conversation.description)
    }

    /// Notes the session `conversation` resolved to (for `intakeExecutor`). Bounded: forgotten
    /// wholesale past 4,096 conversations (a miss only costs the hash's choice).
    nonisolated func rememberSession(_ key: SessionKey, of conversation: ConversationRef) {
        sessionOfConversation.withLock { known in
            if known[conversation] == key { return }
            if known.count >= 4_096 { known.removeAll(keepingCapacity: true) }
            known[conversation] = key
        }
    }

    /// Handles one inbound message end to end and returns what happened. Never throws: failures
    /// become `ERROR: <CODE>: …` replies.
    ///
    /// Not isolated to the router: the idempotency claim, the store's replay lookup and the
    /// outcome's record run on the caller's task, so messages of different conversations are
    /// taken in parallel; only resolution, the gate and the handler (`processed`) run on the actor,
    /// and a prompt's submit waits off it (on its session).
    public nonisolated func handle(_ message: InboundMessage, channel: any ChatChannel) async -> InboundOutcome {
        let conversation = message.conversation
        return await LogCorrelation.with([
            "channel": "\(conversation.channel.rawValue)", "account": "\(conversation.accountId)",
            "conversation": "\(conversation.conversationId)", "sender": "\(message.senderId)",
        ]) { await handleCorrelated(message, channel: channel) }
    }

    private nonisolated func handleCorrelated(_ message: InboundMessage, channel: any ChatChannel) async -> InboundOutcome {
        let conversation = message.conversation
        let intake = IntakeKey(message, ttl: intakeTTL.withLock { $0 })
        let key = intake.key
        let request = intake.fingerprint
        switch await claims.claim(key, waitingUpTo: Self.inFlightWait) {
        case .timedOut:
            // The same key is being handled right now and did not finish in time. Answer that,
            // never a reply that looks final and is not.
            return .inProgress
        case .answered(var first):
            if let stored = first.request, stored != request { return .keyConflict }
            first.request = nil
            first.replyPending = nil
            return first
        case .claimed: break
        }
        let stored: String?
        do { stored = try store.completedResult(key, ttl: intake.ttl) } catch {
            logger.error("idempotency lookup failed", metadata: ["error": "\(error)"])
            let outcome = InboundOutcome(accepted: true, reply: ChatReply.error("the state store is unavailable, try again later"))
            claims.finish(key, with: nil)
            if !message.repliesInline { await outbox.post(outcome.reply ?? "", to: conversation, kind: .command) }
            return outcome
        }
        if let stored {
            // Handled before (a redelivery, a retry, a replay after a restart): its outcome, nothing done again.
            var first = InboundOutcome(stored: stored)
            if let firstRequest = first.request, firstRequest != request {
                claims.finish(key, with: nil)
                return .keyConflict
            }
            if first.replyPending == true, let reply = first.reply, !message.repliesInline {
                // The first handling recorded its reply and stopped before posting it (a crash):
                // post it now, once (the claim keeps a concurrent replay from posting it too).
                await postReply(reply, to: conversation, key: key, stored: first)
            }
            first.replyPending = nil
            claims.finish(key, with: first)
            first.request = nil
            return first
        }
        let outcome = await processed(message, channel: channel, intake: intake)
        return await finish(outcome, conversation: conversation, key: key, request: request, postsReply: !message.repliesInline)
    }

    /// Resolution → gate → handler on the actor, then the debug line, the audit row (commands)
    /// and the reply's redaction.
    private func processed(_ message: InboundMessage, channel: any ChatChannel, intake: IntakeKey) async -> InboundOutcome {
        var outcome = await process(message, channel: channel, intake: intake)
        logger.debug("message handled", metadata: [
            "accepted": "\(outcome.accepted)", "run": "\(outcome.runId.map { "\($0)" } ?? "-")",
            "result": "\(Self.auditResult(outcome))",
        ])
        auditCommand(message, outcome)
        outcome.reply = outcome.reply.map(redactor.redact)
        return outcome
    }

    /// Records the outcome under `key` (with the fingerprint of the `request` it answers) unless
    /// the handler's own transaction already did (a prompt's submit), then posts the reply
    /// (unless the channel shows it itself, `postsReply` false), ends the claim and returns: a
    /// redelivered message finds the outcome and never causes a second reply.
    private nonisolated func finish(_ outcome: InboundOutcome, conversation: ConversationRef, key: IdempotencyKey,
                                    request: String, postsReply: Bool) async -> InboundOutcome {
        var outcome = outcome
        let recorded = outcome.recordedWithRun
        outcome.recordedWithRun = false
        var first = outcome
        first.request = request
        if outcome.refusal == .rateLimited {
            // Refused for now, not handled: a retry with the same key is a new attempt (nothing stored).
        } else if !recorded {
            var stored = first
            if outcome.reply != nil, postsReply { stored.replyPending = true }
            do { try store.complete(key, result: stored.stored) } catch {
                logger.error("idempotency complete failed", metadata: ["error": "\(error)"])
            }
        }
        if let reply = outcome.reply, postsReply {
            if outcome.refusal != .rateLimited {
                var stored = first
                stored.replyPending = true
                await postReply(reply, to: conversation, key: key, stored: stored)
            } else {
                await outbox.post(reply, to: conversation, kind: .command)
            }
        }
        claims.finish(key, with: first)
        return outcome
    }

    /// Posts a recorded reply, then marks it posted in the stored outcome. A crash in between
    /// means a redelivery posts it again: a rare repeat, where the other order would lose it.
    /// The caller holds the key's claim, so no replay posts it meanwhile.
    private nonisolated func postReply(_ reply: String, to conversation: ConversationRef, key: IdempotencyKey, stored: InboundOutcome) async {
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
}
