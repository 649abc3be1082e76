import ACPControlPlane
import Bindings
import ChatCore
import JSONKit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// One Telegram bot account as a `ChatChannel`.
///
/// Inbound: as a `Service`, `run()` long-polls `getUpdates` until graceful shutdown, normalises
/// each update (`TelegramUpdateNormaliser`) and offers it to `inbound`; the stored offset
/// (`channel_cursors`) moves past an update only after the router handled it, and the next poll
/// waits for the whole batch, so Telegram never forgets an update acpd has not handled. Errors put
/// the account in backoff; a rejected token (401) stops polling this account with one error line;
/// a 409 (another poller or a webhook on the token) is logged once and retried every few minutes.
/// `run()` never throws: one account's trouble never stops another account or the daemon.
///
/// Outbound: `send`/`edit` map to `sendMessage`/`editMessageText`, the Markdown rendered as
/// `entities` (`TelegramMarkdown`; plain text once more if Telegram refuses them); buttons as an
/// inline keyboard. Calls into one chat are paced by one budget shared by all its topics.
public final class TelegramChannel: ChatChannel {
    /// Tunables (defaults: Telegram's limits; tests shorten the waits).
    public struct Options: Sendable {
        /// `getUpdates` long-poll timeout in seconds (`pollTimeoutSeconds`).
        public var pollTimeoutSeconds: Int = 30
        /// Shortest interval between two calls into one chat (all its topics together).
        public var chatInterval: Duration = .seconds(1)
        /// At most this many calls into one group start in any `groupWindow` (all its topics together).
        public var groupLimit = 20
        /// The window of `groupLimit`: a minute, plus two seconds of headroom so that network
        /// jitter at the window's edge never earns a 429.
        public var groupWindow: Duration = .seconds(62)
        /// Waits after failed polls.
        var backoff = PollBackoff()
        /// Wait after a 409 Conflict before polling again.
        public var conflictRetry: Duration = .seconds(300)
        /// Stream runs in private chats with `sendMessageDraft`, ending with one `sendMessage`.
        public var drafts = false

        public init(pollTimeoutSeconds: Int = 30, chatInterval: Duration = .seconds(1), groupLimit: Int = 20,
                    groupWindow: Duration = .seconds(62), conflictRetry: Duration = .seconds(300),
                    backoffBase: Duration = .seconds(1), backoffCap: Duration = .seconds(60), drafts: Bool = false) {
            self.pollTimeoutSeconds = pollTimeoutSeconds
            self.drafts = drafts
            self.chatInterval = chatInterval
            self.groupLimit = groupLimit
            self.groupWindow = groupWindow
            self.conflictRetry = conflictRetry
            backoff = PollBackoff(base: backoffBase, cap: backoffCap)
        }
    }

    /// How the poller stands, for logs and tests.
    public enum PollState: Sendable, Equatable {
        case starting, polling, backingOff(String), conflict, unauthorized, disabled, stopped
    }

    /// What a reload may change (`reconfigure`).
    struct Settings: Sendable {
        var api: TelegramBotAPI
        var options: Options
        var enabled: Bool
        /// Bumped by every `reconfigure`: the poller restarts when it changes.
        var generation = 0
    }

    public let kind: ConversationRef.Channel = .telegram
    public let accountId: String?
    /// Telegram: 4096 UTF-16 units of text, edits, inline buttons, forum topics; one
    /// call per second per conversation (and per chat, 20 a minute per group: see `ChatPacer`);
    /// `typing` lasts about five seconds.
    public let capabilities = ChannelCapabilities(maxMessageLength: 4096, supportsEdit: true, supportsButtons: true,
                                                  supportsThreads: true, minEditInterval: .seconds(1),
                                                  minSendInterval: .seconds(1), activityInterval: .seconds(4))
    private let settings: Mutex<Settings>
    /// Runs streaming into private chats as drafts (`drafts: true`).
    let drafts = TelegramDrafts()
    /// The Bot API client in force (a reload with a new token or `apiRoot` replaces it).
    var api: TelegramBotAPI { settings.withLock { $0.api } }
    /// The options in force.
    var options: Options { settings.withLock { $0.options } }
    /// Wakes the poller when the settings changed.
    private let restarts = GenerationSignal()
    let logger: Logger
    let pacer: ChatPacer
    private let queue = InboundQueue()
    private let store: Mutex<ControlPlaneStore?>
    /// The next `getUpdates` offset (nil: none yet, Telegram starts with the oldest unconfirmed).
    let offset = Mutex<Int64?>(nil)
    private let state = Mutex(PollState.starting)
    private let status: Mutex<ChannelAccountStatus>
    /// The bot's username (`getMe`), once known.
    let botUsername = Mutex<String?>(nil)

    /// The account `accountId` talking through `api`; its offset is kept in `store` (attach one
    /// later with `attach(store:)`; without one the offset lives in memory only).
    public init(accountId: String, api: TelegramBotAPI, store: ControlPlaneStore? = nil, options: Options = Options(),
                enabled: Bool = true, logger: Logger = Logger(label: "acpd.telegram")) {
        self.accountId = accountId
        settings = Mutex(Settings(api: api, options: options, enabled: enabled))
        status = Mutex(ChannelAccountStatus(channel: .telegram, accountId: accountId, state: enabled ? .starting : .stopped,
                                            since: Date(), lastError: enabled ? nil : "disabled in config"))
        var logger = logger
        logger[metadataKey: "account"] = "\(accountId)"
        self.logger = logger
        pacer = ChatPacer(budget: .init(interval: options.chatInterval, groupLimit: options.groupLimit,
                                        groupWindow: options.groupWindow))
        self.store = Mutex(store)
    }

    public var inbound: AsyncStream<Inbound> { queue.stream }
    public var isAcceptingInbound: Bool { queue.isOpen }
    /// Where the poller stands now.
    public var pollState: PollState { state.withLock { $0 } }

    /// Keeps the offset in `store` from now on (the daemon opens the store after making channels).
    public func attach(store: ControlPlaneStore) {
        self.store.withLock { $0 = store }
    }

    /// Polls until graceful shutdown or cancellation, then closes intake. Never throws, and never
    /// returns before shutdown (a service that returned would end the daemon's service group):
    /// after a rejected token, or while disabled, it waits without polling. `reconfigure` restarts
    /// the poller with the new settings (the offset and intake carry over).
    public func run() async throws {
        loadOffset()
        await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                let current = settings.withLock { $0 }
                await withTaskGroup(of: Bool.self) { group in
                    group.addTask { [self] in
                        if current.enabled { await pollLoop() } else { setState(.disabled) }
                        return false
                    }
                    group.addTask { [self] in
                        await restarts.wait(beyond: current.generation)
                        return true
                    }
                    // The poller may end on its own (a rejected token): then wait for new settings.
                    while let restarted = await group.next() {
                        if restarted { break }
                    }
                    group.cancelAll()
                }
            }
        }
        queue.close()
        setState(.stopped)
    }

    /// Puts new settings in force (a reload changed this account): the poller stops its current
    /// poll and starts again with them (a new token means a new `getMe`); sends use the new client
    /// from now on. `enabled: false` stops polling and sending until enabled again.
    public func reconfigure(api: TelegramBotAPI, options: Options, enabled: Bool) {
        let generation = settings.withLock { current -> Int in
            current.generation += 1
            current.api = api
            current.options = options
            current.enabled = enabled
            return current.generation
        }
        botUsername.withLock { $0 = nil }
        Counter(label: "acpd_channel_reconnects_total",
                dimensions: [("channel", "telegram"), ("account", accountId ?? "default"), ("reason", "reload")]).increment()
        restarts.signal(generation)
    }

    /// The Bot API client in force (to keep it across `reconfigure`).
    public var currentAPI: TelegramBotAPI { api }
    /// The options in force (to keep them across `reconfigure`).
    public var currentOptions: Options { options }

    /// How the account stands (`acpd channels`, `/readyz`, `GET /v1/channels`).
    public var accountStatus: ChannelAccountStatus? { status.withLock { $0 } }

    // MARK: Outbound

    public func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
                     context: OutgoingContext) async throws -> MessageRef {
        try requireEnabled()
        let (chat, thread) = try target(of: conversation)
        if let run = streamsAsDraft(chat: chat, buttons: buttons, context: context) {
            // Earlier messages of the run are finished now: they stay in the chat for good.
            try await persistDrafts(of: run, except: nil)
            if !context.isFinal {
                let draftId = drafts.begin(run: run, conversation: conversation)
                try await sendDraft(draftId, text: text, chat: chat, thread: thread, conversation: conversation)
                let ref = MessageRef(conversation: conversation, messageId: TelegramDrafts.reference(draftId))
                remember(ref, text: text, context: context, isNew: true)
                return ref
            }
        }
        let markup = buttons.isEmpty ? nil : InlineKeyboard.replyMarkup(buttons)
        let message = try await withPlainFallback(text, chat: chat, conversation: conversation) { text, entities throws(TelegramAPIError) in
            try await api.sendMessage(chatId: chat, messageThreadId: thread, text: text, entities: entities, replyMarkup: markup)
        }
        let ref = MessageRef(conversation: conversation, messageId: String(message.messageId))
        remember(ref, text: text, context: context, isNew: true)
        if context.isFinal, let run = context.runId { drafts.finish(run) }
        return ref
    }

    public func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        try requireEnabled()
        let (chat, _) = try target(of: message.conversation)
        if let draftId = TelegramDrafts.draftId(of: message.messageId) {
            try await editDraft(draftId, of: message, text: text, buttons: buttons, context: context)
            return
        }
        guard let messageId = Int64(message.messageId) else {
            throw ChannelError.permanent("\(message.messageId) is not a Telegram message id")
        }
        // An empty keyboard removes buttons the message had.
        let markup = InlineKeyboard.replyMarkup(buttons)
        try await withPlainFallback(text, chat: chat, conversation: message.conversation) { text, entities throws(TelegramAPIError) in
            try await api.editMessageText(chatId: chat, messageId: messageId, text: text, entities: entities, replyMarkup: markup)
        }
        remember(message, text: text, context: context, isNew: false)
    }

    /// Keeps a run's Telegram message ids in the store while its delivery is under way (with the
    /// checkpoint the operation completes, in one transaction), so that after a restart delivery
    /// edits these messages instead of posting their text again; the run's final operation drops
    /// them. Best effort: the message is out, so a store error is logged, not thrown.
    func remember(_ message: MessageRef, text: String, context: OutgoingContext, isNew: Bool) {
        guard let run = context.runId, let store = store.withLock({ $0 }) else { return }
        do {
            if context.isFinal {
                try store.forgetPlatformMessages(of: run, in: message.conversation, advancing: context.checkpoint)
            } else if isNew {
                try store.recordPlatformMessage(message.messageId, in: message.conversation, kind: context.kind.rawValue, run: run,
                                                text: text, advancing: context.checkpoint)
            } else {
                try store.updatePlatformMessage(message.messageId, in: message.conversation, text: text, advancing: context.checkpoint)
            }
        } catch {
            logger.error("cannot record a sent message; after a restart its text may be posted again",
                         metadata: ["run": "\(run)", "message": "\(message.messageId)", "error": "\(error)"])
        }
    }

    /// Paces `chat`, then calls `request` with `markdown` rendered as text and entities
    /// (`TelegramMarkdown`). Should Telegram refuse the entities, calls it once more with the
    /// Markdown as plain text (no entities), so formatting never costs a message.
    func withPlainFallback<R>(_ markdown: String, chat: Int64, conversation: ConversationRef,
                                      _ request: (String, [TelegramMessageEntity]) async throws(TelegramAPIError) -> R) async throws -> R {
        let rendered = TelegramMarkdown.render(markdown)
        // Only markers (an empty code block, a bare `#`): nothing to format.
        let formatted = rendered.text.isEmpty ? TelegramMarkdown.Rendered(text: markdown, entities: []) : rendered
        try await pace(chat, conversation)
        do {
            return try await request(formatted.text, formatted.entities)
        } catch where error.rejectsEntities && !formatted.entities.isEmpty {
            logger.warning("Telegram refused the message's formatting; sending it as plain text",
                           metadata: ["chat": "\(chat)", "error": "\(error)"])
        } catch {
            throw await failure(error, chat: chat)
        }
        try await pace(chat, conversation)
        do {
            return try await request(markdown, [])
        } catch {
            throw await failure(error, chat: chat)
        }
    }

    /// Telegram's limit on a topic name, in characters.
    static let maxTopicName = 128

    /// Creates a forum topic named `title` (cut to 128 characters) in the chat of `parent` (a
    /// forum, or one of its topics: topics do not nest). Without the bot's `can_manage_topics`
    /// right this is a `permanent` error naming the right.
    public func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        let (chat, _) = try target(of: parent)
        let trimmed = title.trimmingPrefix(while: \.isWhitespace)
        let name = trimmed.isEmpty ? "acpd" : String(trimmed.prefix(Self.maxTopicName))
        try await pace(chat, parent)
        let topic: Int64
        do {
            topic = try await api.createForumTopic(chatId: chat, name: name)
        } catch {
            if case .api(let code, let description, _) = error, code == 400 || code == 403,
               description.contains("rights") || description.contains("CHAT_ADMIN_REQUIRED") {
                throw ChannelError.permanent("the bot needs the can_manage_topics right in chat \(chat) to create topics (Telegram: \(description))")
            }
            throw await failure(error, chat: chat)
        }
        do {
            return try TelegramConversationID.parse("\(chat):topic:\(topic)", accountId: parent.accountId)
        } catch {
            throw ChannelError.permanent(error.message)
        }
    }

    /// Deletes forum topic `thread` (and its messages). General cannot be deleted.
    public func removeThread(_ thread: ConversationRef) async throws {
        let (chat, topic) = try target(of: thread)
        guard let topic else { throw ChannelError.permanent("\(thread.conversationId) is not a forum topic acpd can delete") }
        try await pace(chat, thread)
        do {
            try await api.deleteForumTopic(chatId: chat, messageThreadId: topic)
        } catch {
            throw await failure(error, chat: chat)
        }
    }

    /// A private chat's id is the user's id.
    public func directConversation(with userId: String) async throws -> ConversationRef {
        guard let id = Int64(userId), id > 0 else { throw ChannelError.permanent("\(userId) is not a Telegram user id") }
        return ConversationRef(channel: .telegram, accountId: accountId ?? ConversationRef.defaultAccount, conversationId: String(id))
    }

    /// A disabled account sends nothing (`enabled: false` in config).
    private func requireEnabled() throws {
        guard settings.withLock({ $0.enabled }) else {
            throw ChannelError.permanent("telegram account \(accountId ?? "default") is disabled in config")
        }
    }

    func target(of conversation: ConversationRef) throws -> (Int64, Int64?) {
        do {
            let target = try TelegramConversationID.sendTarget(of: conversation)
            return (target.chatId, target.messageThreadId)
        } catch {
            throw ChannelError.permanent(error.message)
        }
    }

    /// Waits for the chat's flood budget (see `ChatPacer`) and keeps the start for this
    /// conversation's next call.
    public func reserveCall(in conversation: ConversationRef) async throws {
        let (chat, _) = try target(of: conversation)
        try await pacer.reserve(for: chat, conversation: conversation.canonical)
    }

    /// `sendChatAction typing` in the conversation (its topic), unless the chat is being held
    /// back (a 429, or calls already booked ahead): typing never takes a message's turn.
    public func showActivity(in conversation: ConversationRef) async {
        guard let (chat, thread) = try? target(of: conversation), await pacer.isFree(chat) else { return }
        do {
            try await api.sendChatAction(chatId: chat, messageThreadId: thread, action: "typing")
        } catch {
            if case .api(429, _, let retryAfter?) = error { await pacer.hold(chat, for: .seconds(retryAfter)) }
            logger.debug("typing not shown", metadata: ["chat": "\(chat)", "error": "\(error)"])
        }
    }

    private func pace(_ chat: Int64, _ conversation: ConversationRef) async throws {
        do { try await pacer.wait(for: chat, conversation: conversation.canonical) } catch { throw ChannelError.transient("cancelled") }
    }

    /// The channel error for `error`; a 429 also holds the chat's budget for the wait.
    private func failure(_ error: TelegramAPIError, chat: Int64) async -> ChannelError {
        if case .api(429, _, let retryAfter?) = error { await pacer.hold(chat, for: .seconds(retryAfter)) }
        return error.channelError
    }

    // MARK: Inbound helpers

    /// Records where the poller stands; `acpd_channel_up{channel,account}` is 1 while it polls.
    func setState(_ next: PollState) {
        state.withLock { $0 = next }
        let (mapped, error): (ChannelAccountStatus.State, String?) = switch next {
        case .starting: (.starting, nil)
        case .polling: (.running, nil)
        case .backingOff(let reason): (.backoff, reason)
        case .conflict: (.backoff, "409 Conflict: another poller or a webhook uses this bot token")
        case .unauthorized: (.failed, "Telegram rejected the bot token")
        case .disabled: (.stopped, "disabled in config")
        case .stopped: (.stopped, nil)
        }
        status.withLock { current in
            if current.state != mapped { current.since = Date() }
            current.state = mapped
            if let error { current.lastError = error }
        }
        Gauge(label: "acpd_channel_up", dimensions: [("channel", "telegram"), ("account", accountId ?? "default")])
            .record(next == .polling ? 1 : 0)
    }

    /// Reads the stored offset (if a store is attached and has one).
    private func loadOffset() {
        guard let store = store.withLock({ $0 }), let account = accountId else { return }
        do {
            if let text = try store.cursor(channel: .telegram, accountId: account), let stored = Int64(text) {
                offset.withLock { $0 = max($0 ?? stored, stored) }
            }
        } catch {
            logger.error("cannot read the stored Telegram offset; starting from Telegram's", metadata: ["error": "\(error)"])
        }
    }

    /// Moves the offset to `next` (never back) and stores it.
    func commitOffset(_ next: Int64) {
        let moved = offset.withLock { current -> Bool in
            guard next > (current ?? Int64.min) else { return false }
            current = next
            return true
        }
        guard moved, let store = store.withLock({ $0 }), let account = accountId else { return }
        do {
            try store.setCursor(String(next), channel: .telegram, accountId: account)
        } catch {
            logger.error("cannot store the Telegram offset", metadata: ["offset": "\(next)", "error": "\(error)"])
        }
    }

    func offer(_ message: InboundMessage, onHandled: @escaping @Sendable (InboundOutcome?) -> Void) {
        queue.offer(message, onHandled: onHandled)
    }

    var intakeOpen: Bool { queue.isOpen }
}
