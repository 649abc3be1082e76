import ACPControlPlane
import Bindings
import ChatCore
import JSONKit
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
        /// Waits after failed polls.
        var backoff = PollBackoff()
        /// Wait after a 409 Conflict before polling again.
        public var conflictRetry: Duration = .seconds(300)

        public init(pollTimeoutSeconds: Int = 30, chatInterval: Duration = .seconds(1), conflictRetry: Duration = .seconds(300),
                    backoffBase: Duration = .seconds(1), backoffCap: Duration = .seconds(60)) {
            self.pollTimeoutSeconds = pollTimeoutSeconds
            self.chatInterval = chatInterval
            self.conflictRetry = conflictRetry
            backoff = PollBackoff(base: backoffBase, cap: backoffCap)
        }
    }

    /// How the poller stands, for logs and tests.
    public enum PollState: Sendable, Equatable {
        case starting, polling, backingOff(String), conflict, unauthorized, stopped
    }

    public let kind: ConversationRef.Channel = .telegram
    public let accountId: String?
    /// Telegram: 4096 UTF-16 units of text, edits, inline buttons, forum topics; one
    /// call per second per conversation (and per chat, see `ChatPacer`).
    public let capabilities = ChannelCapabilities(maxMessageLength: 4096, supportsEdit: true, supportsButtons: true,
                                                  supportsThreads: true, minEditInterval: .seconds(1),
                                                  minSendInterval: .seconds(1))
    let api: TelegramBotAPI
    let options: Options
    let logger: Logger
    let pacer: ChatPacer
    private let queue = InboundQueue()
    private let store: Mutex<ControlPlaneStore?>
    /// The next `getUpdates` offset (nil: none yet, Telegram starts with the oldest unconfirmed).
    let offset = Mutex<Int64?>(nil)
    private let state = Mutex(PollState.starting)
    /// The bot's username (`getMe`), once known.
    let botUsername = Mutex<String?>(nil)

    /// The account `accountId` talking through `api`; its offset is kept in `store` (attach one
    /// later with `attach(store:)`; without one the offset lives in memory only).
    public init(accountId: String, api: TelegramBotAPI, store: ControlPlaneStore? = nil, options: Options = Options(),
                logger: Logger = Logger(label: "acpd.telegram")) {
        self.accountId = accountId
        self.api = api
        self.options = options
        var logger = logger
        logger[metadataKey: "account"] = "\(accountId)"
        self.logger = logger
        pacer = ChatPacer(interval: options.chatInterval)
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
    /// after a rejected token it waits for shutdown without polling.
    public func run() async throws {
        loadOffset()
        await cancelWhenGracefulShutdown { [self] in await pollLoop() }
        if !Task.isCancelled, pollState == .unauthorized {
            try? await gracefulShutdown()
        }
        queue.close()
        setState(.stopped)
    }

    // MARK: Outbound

    public func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
                     context: OutgoingContext) async throws -> MessageRef {
        let (chat, thread) = try target(of: conversation)
        let markup = buttons.isEmpty ? nil : InlineKeyboard.replyMarkup(buttons)
        let message = try await withPlainFallback(text, chat: chat) { text, entities throws(TelegramAPIError) in
            try await api.sendMessage(chatId: chat, messageThreadId: thread, text: text, entities: entities, replyMarkup: markup)
        }
        return MessageRef(conversation: conversation, messageId: String(message.messageId))
    }

    public func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        let (chat, _) = try target(of: message.conversation)
        guard let messageId = Int64(message.messageId) else {
            throw ChannelError.permanent("\(message.messageId) is not a Telegram message id")
        }
        // An empty keyboard removes buttons the message had.
        let markup = InlineKeyboard.replyMarkup(buttons)
        try await withPlainFallback(text, chat: chat) { text, entities throws(TelegramAPIError) in
            try await api.editMessageText(chatId: chat, messageId: messageId, text: text, entities: entities, replyMarkup: markup)
        }
    }

    /// Paces `chat`, then calls `request` with `markdown` rendered as text and entities
    /// (`TelegramMarkdown`). Should Telegram refuse the entities, calls it once more with the
    /// Markdown as plain text (no entities), so formatting never costs a message.
    private func withPlainFallback<R>(_ markdown: String, chat: Int64,
                                      _ request: (String, [TelegramMessageEntity]) async throws(TelegramAPIError) -> R) async throws -> R {
        let rendered = TelegramMarkdown.render(markdown)
        // Only markers (an empty code block, a bare `#`): nothing to format.
        let formatted = rendered.text.isEmpty ? TelegramMarkdown.Rendered(text: markdown, entities: []) : rendered
        try await pace(chat)
        do {
            return try await request(formatted.text, formatted.entities)
        } catch where error.rejectsEntities && !formatted.entities.isEmpty {
            logger.warning("Telegram refused the message's formatting; sending it as plain text",
                           metadata: ["chat": "\(chat)", "error": "\(error)"])
        } catch {
            throw await failure(error, chat: chat)
        }
        try await pace(chat)
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
        try await pace(chat)
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
        try await pace(chat)
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

    private func target(of conversation: ConversationRef) throws -> (Int64, Int64?) {
        do {
            let target = try TelegramConversationID.sendTarget(of: conversation)
            return (target.chatId, target.messageThreadId)
        } catch {
            throw ChannelError.permanent(error.message)
        }
    }

    private func pace(_ chat: Int64) async throws {
        do { try await pacer.wait(for: chat) } catch { throw ChannelError.transient("cancelled") }
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
