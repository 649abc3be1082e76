import ACPControlPlane
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONKit
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// One Discord bot account as a `ChatChannel`.
///
/// Inbound: as a `Service`, `run()` keeps a gateway session (`GatewayConnection`: identify,
/// heartbeats, resume after drops, backoff) until graceful shutdown and normalises its dispatches:
/// MESSAGE_CREATE becomes an inbound message (idempotency key: the message id, so a RESUME replay
/// starts nothing twice); a button press (INTERACTION_CREATE, component) is acknowledged at once
/// (deferred update) and handed to the router, and a refusal is answered ephemerally "Not
/// allowed."; GUILD_CREATE, CHANNEL_* and THREAD_* keep the channel directory that gives a
/// thread's messages their parent channel. Nothing waits for a run: messages are offered to the
/// router and the loop goes on. A fatal gateway close (bad token, disallowed intents) stops this
/// account with one error line naming the fix; `run()` never throws and never returns before
/// shutdown.
///
/// Outbound: `send`/`edit` create and edit messages (2000 characters, buttons as components,
/// never pinging anyone), threads are public threads, DMs are opened on demand. Rate limits are
/// the REST client's buckets.
public final class DiscordChannel: ChatChannel {
    /// Tunables (tests shorten the waits).
    public struct Options: Sendable {
        /// The gateway connection's backoff and limits.
        public var gateway: GatewayConnection.Options
        /// The application id from config (nil: learnt from READY).
        public var applicationId: String?
        /// Guilds to register the application commands in; empty: globally.
        public var commandGuilds: [String]

        /// Options; the defaults are production's.
        public init(gateway: GatewayConnection.Options = .init(), applicationId: String? = nil, commandGuilds: [String] = []) {
            self.gateway = gateway
            self.applicationId = applicationId
            self.commandGuilds = commandGuilds
        }
    }

    /// Where the account stands, for logs, status and tests.
    public enum AccountState: Sendable, Equatable {
        case starting, connected, reconnecting, failed(GatewayFailure), disabled, stopped
    }

    /// What the account runs with; `reconfigure` replaces it and bumps `generation`.
    struct Settings: Sendable {
        var token: String
        var rest: DiscordREST
        var options: Options
        var enabled: Bool
        var generation = 0
    }

    public let kind: ConversationRef.Channel = .discord
    public let accountId: String?
    /// Discord: 2000 characters, edits, buttons, threads. Pacing is the REST buckets'; live edits
    /// of one message at most once a second; the typing indicator lasts 10 s, so it is renewed
    /// every 8 s while a run is active.
    public let capabilities = ChannelCapabilities(maxMessageLength: 2000, supportsEdit: true, supportsButtons: true,
                                                  supportsThreads: true, minEditInterval: .seconds(1), minSendInterval: .zero,
                                                  activityInterval: .seconds(8))
    private let settings: Mutex<Settings>
    private let restarts = RestartSignal()
    let logger: Logger
    let directory = ChannelDirectory()
    private let queue = InboundQueue()
    private let state = Mutex(AccountState.starting)
    private let status: Mutex<ChannelAccountStatus>
    private let botUser = Mutex<String?>(nil)
    private let application: Mutex<String?>
    private let directChannels = Mutex<[String: String]>([:])
    private let commandsRegistered = Mutex(false)
    private let conversationGone = Mutex<ConversationGone?>(nil)
    /// `/acp spawn` messages offered and not yet handled, by conversation, oldest first: a thread
    /// the spawn asks for starts from its command message (the router handles the messages of a
    /// conversation one at a time, in order, so the oldest is the one being handled).
    private let spawnsInFlight = Mutex<[String: [String]]>([:])

    /// Told when a thread is deleted or archived, or a channel deleted: the conversation and why
    /// (`thread deleted`, `thread archived`, `channel deleted`), so the daemon can end its runtime
    /// binding. Called off the gateway loop.
    public typealias ConversationGone = @Sendable (ConversationRef, String) async -> Void

    /// Sets what happens when a conversation goes away (the daemon ends its runtime binding).
    public func onConversationGone(_ handler: @escaping ConversationGone) {
        conversationGone.withLock { $0 = handler }
    }

    /// The account `accountId` with bot `token`, talking REST through `rest`; a disabled account
    /// runs idle (state `stopped`) until `reconfigure` enables it.
    public init(accountId: String, token: String, rest: DiscordREST, options: Options = Options(), enabled: Bool = true,
                logger: Logger = Logger(label: "acpd.discord")) {
        self.accountId = accountId
        settings = Mutex(Settings(token: token, rest: rest, options: options, enabled: enabled))
        var logger = logger
        logger[metadataKey: "account"] = "\(accountId)"
        self.logger = logger
        application = Mutex(options.applicationId)
        status = Mutex(ChannelAccountStatus(channel: .discord, accountId: accountId, state: enabled ? .starting : .stopped,
                                            since: Date(), lastError: enabled ? nil : "disabled in config"))
    }

    /// The REST client in force (it changes with `reconfigure`).
    public var rest: DiscordREST { settings.withLock { $0.rest } }
    /// The options in force.
    public var options: Options { settings.withLock { $0.options } }
    /// Whether the account is enabled.
    public var isEnabled: Bool { settings.withLock { $0.enabled } }

    /// Puts new settings in force (a reload changed this account): the gateway session closes and
    /// a new one starts with them (a new token means a new identify; commands are registered
    /// again); sends use the new client from now on. `enabled: false` stops the gateway and sends
    /// until enabled again.
    public func reconfigure(token: String, rest: DiscordREST, options: Options, enabled: Bool) {
        let generation = settings.withLock { current -> Int in
            current.generation += 1
            current.token = token
            current.rest = rest
            current.options = options
            current.enabled = enabled
            return current.generation
        }
        application.withLock { $0 = options.applicationId }
        botUser.withLock { $0 = nil }
        commandsRegistered.withLock { $0 = false }
        Counter(label: "acpd_channel_reconnects_total",
                dimensions: [("channel", "discord"), ("account", accountId ?? "default"), ("reason", "reload")]).increment()
        restarts.signal(generation)
    }

    /// Keeps the current token and client, and only enables or disables the account.
    public func setEnabled(_ enabled: Bool) {
        let current = settings.withLock { $0 }
        reconfigure(token: current.token, rest: current.rest, options: current.options, enabled: enabled)
    }

    public var inbound: AsyncStream<Inbound> { queue.stream }
    public var isAcceptingInbound: Bool { queue.isOpen }
    /// Where the account stands now.
    public var accountState: AccountState { state.withLock { $0 } }
    /// How the account stands (`acpd channels`, `/readyz`, `GET /v1/channels`).
    public var accountStatus: ChannelAccountStatus? { status.withLock { $0 } }
    /// The bot's user id once READY arrived.
    public var botUserId: String? { botUser.withLock { $0 } }
    /// The application id (config, else READY's).
    public var applicationId: String? { application.withLock { $0 } }

    /// Runs the gateway until graceful shutdown or cancellation, then closes intake. Never throws,
    /// and never returns before shutdown (a service that returned would end the daemon's service
    /// group): after a fatal close, or while disabled, it waits without connecting. `reconfigure`
    /// restarts the gateway with the new settings (intake carries over).
    public func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                let current = settings.withLock { $0 }
                await withTaskGroup(of: Bool.self) { group in
                    group.addTask { [self] in
                        if current.enabled { await connect(current) } else { setState(.disabled, error: "disabled in config") }
                        return false
                    }
                    group.addTask { [self] in
                        await restarts.wait(beyond: current.generation)
                        return true
                    }
                    // The gateway may end on its own (a fatal close): then wait for new settings.
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

    /// One gateway session with `current`'s settings until it fails for good or is cancelled.
    private func connect(_ current: Settings) async {
        setState(.starting)
        let rest = current.rest
        let gateway = GatewayConnection(token: current.token, options: current.options.gateway, logger: logger) {
            try await rest.gatewayForConnection()
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await gateway.run() }
            for await event in gateway.events {
                await handle(event, group: &group)
            }
        }
    }

    // MARK: Gateway events

    private func handle(_ event: GatewayEvent, group: inout DiscardingTaskGroup) async {
        switch event {
        case .dispatch(let name, let data):
            await dispatch(name, data, group: &group)
        case .ready, .resumed:
            if accountState != .connected { logger.notice("Discord gateway connected") }
            setState(.connected)
        case .disconnected(let code):
            setState(.reconnecting, error: code.map { "the gateway closed with \($0)" } ?? "the gateway connection dropped")
            Counter(label: "acpd_channel_reconnects_total",
                    dimensions: [("channel", "discord"), ("account", accountId ?? "default"), ("reason", code.map { "close_\($0)" } ?? "dropped")])
                .increment()
        case .failed(let failure):
            setState(.failed(failure), error: failure.message)
            logger.error("\(failure.message); this account stops until acpd restarts",
                         metadata: ["fix": "\(failure.fix(account: accountId ?? "default"))"])
        }
    }

    private func dispatch(_ name: String, _ data: JSONValue, group: inout DiscardingTaskGroup) async {
        switch name {
        case "READY":
            let user = data["user"]?["id"]?.stringValue
            botUser.withLock { $0 = user }
            if let readyApplication = data["application"]?["id"]?.stringValue {
                let configured = application.withLock { current -> String? in
                    defer { if current == nil { current = readyApplication } }
                    return current
                }
                if let configured, configured != readyApplication {
                    logger.warning("applicationId in config does not match the bot's application",
                                   metadata: ["configured": "\(configured)", "bot": "\(readyApplication)"])
                }
            }
            logger.info("Discord session ready", metadata: ["bot": "\(user ?? "?")"])
            let first = commandsRegistered.withLock { done -> Bool in
                defer { done = true }
                return !done
            }
            if first { group.addTask { [self] in await registerCommands() } }
        case "GUILD_CREATE":
            let guild = data["id"]?.stringValue
            for key in ["channels", "threads"] {
                guard case .array(let list)? = data[key] else { continue }
                for item in list { if let info = DiscordChannelInfo(json: item, guildId: guild) { directory.record(info) } }
            }
        case "CHANNEL_CREATE", "CHANNEL_UPDATE", "THREAD_CREATE", "THREAD_UPDATE":
            guard let info = DiscordChannelInfo(json: data) else { return }
            let wasOpen = directory.info(info.id).map { !$0.archived } ?? (name == "THREAD_UPDATE")
            directory.record(info)
            if info.isThread, info.archived, wasOpen {
                logger.notice("Discord thread archived; its runtime binding ends", metadata: ["thread": "\(info.id)"])
                gone(info, "thread archived", group: &group)
            }
        case "THREAD_LIST_SYNC":
            guard case .array(let list)? = data["threads"] else { return }
            for item in list { if let info = DiscordChannelInfo(json: item, guildId: data["guild_id"]?.stringValue) { directory.record(info) } }
        case "THREAD_DELETE", "CHANNEL_DELETE":
            guard let id = data["id"]?.stringValue else { return }
            let known = directory.remove(id)
            let why = name == "THREAD_DELETE" ? "thread deleted" : "channel deleted"
            logger.notice(name == "THREAD_DELETE" ? "Discord thread deleted; its runtime binding ends" : "Discord channel deleted; its runtime binding ends",
                          metadata: ["channel": "\(id)"])
            if let info = DiscordChannelInfo(json: data) ?? known { gone(info, why, group: &group) }
        case "MESSAGE_CREATE":
            await message(data)
        case "INTERACTION_CREATE":
            group.addTask { [self] in await interaction(data) }
        default:
            break
        }
    }

    /// Tells the daemon that `info`'s conversation went away (off the gateway loop).
    private func gone(_ info: DiscordChannelInfo, _ why: String, group: inout DiscardingTaskGroup) {
        guard let handler = conversationGone.withLock({ $0 }),
              let conversation = DiscordNormaliser.conversation(of: info, accountId: accountId ?? ConversationRef.defaultAccount) else { return }
        group.addTask { await handler(conversation, why) }
    }

    private func message(_ data: JSONValue) async {
        let account = accountId ?? ConversationRef.defaultAccount
        let channelId = data["channel_id"]?.stringValue ?? ""
        var result = DiscordNormaliser.message(data, channel: directory.info(channelId), botUserId: botUserId, accountId: account)
        if case .needsChannel(let id) = result {
            do {
                if let info = DiscordChannelInfo(json: try await rest.channel(id)) { directory.record(info) }
            } catch {
                logger.warning("cannot look up a Discord channel; message dropped", metadata: ["channel": "\(id)", "error": "\(error)"])
                return
            }
            result = DiscordNormaliser.message(data, channel: directory.info(channelId), botUserId: botUserId, accountId: account)
        }
        switch result {
        case .message(let message):
            let spawn = message.text.hasPrefix("/acp spawn") ? message.platformMessageId : nil
            let key = message.conversation.conversationId
            if let spawn { spawnsInFlight.withLock { $0[key, default: []].append(spawn) } }
            queue.offer(message) { [self] outcome in
                if let spawn {
                    spawnsInFlight.withLock { inFlight in
                        inFlight[key]?.removeAll { $0 == spawn }
                        if inFlight[key]?.isEmpty == true { inFlight[key] = nil }
                    }
                }
                if outcome == nil { logger.warning("a Discord message was not handled", metadata: ["message": "\(message.idempotencyKey)"]) }
            }
        case .ignored(let why):
            logger.trace("message ignored", metadata: ["why": "\(why)"])
        case .needsChannel, .buttonPress, .command:
            logger.debug("message in a channel acpd cannot place; ignored", metadata: ["channel": "\(channelId)"])
        }
    }

    /// An interaction: a button press or an application command; anything else is answered
    /// ephemerally so no client shows "This interaction failed".
    private func interaction(_ data: JSONValue) async {
        let account = accountId ?? ConversationRef.defaultAccount
        let channelId = data["channel_id"]?.stringValue ?? ""
        let known = directory.info(channelId)
        let normalised = if case .int(2)? = data["type"] {
            DiscordNormaliser.command(data, knownChannel: known, accountId: account)
        } else {
            DiscordNormaliser.buttonPress(data, knownChannel: known, accountId: account)
        }
        switch normalised {
        case .command(let message, let id, let interactionToken):
            // Deferred and ephemeral within Discord's 3 seconds; the router's public reply goes to
            // the channel through delivery, like a typed command's.
            do {
                try await rest.interactionCallback(id: id, token: interactionToken, type: 5, data: ["flags": 64])
            } catch {
                logger.warning("cannot acknowledge a command", metadata: ["error": "\(error)"])
                return
            }
            let outcome = await queue.submit(message)
            guard let app = applicationId ?? data["application_id"]?.stringValue else { return }
            do {
                try await rest.editOriginalResponse(application: app, token: interactionToken,
                                                    content: Self.notice(for: outcome) ?? "Done: `\(message.text)` (the answer is posted in the channel).")
            } catch {
                logger.warning("cannot answer a command", metadata: ["error": "\(error)"])
            }
        case .buttonPress(let message, let id, let interactionToken):
            do {
                try await rest.interactionCallback(id: id, token: interactionToken, type: 6)
            } catch {
                logger.warning("cannot acknowledge a button press", metadata: ["error": "\(error)"])
            }
            let outcome = await queue.submit(message)
            if let notice = Self.notice(for: outcome) {
                await followup(token: interactionToken, data: data, text: notice)
            }
        case .ignored(let why):
            // Answer every interaction so no client shows "This interaction failed".
            if let id = data["id"]?.stringValue, let interactionToken = data["token"]?.stringValue {
                try? await rest.interactionCallback(id: id, token: interactionToken, type: 4,
                                                    data: ["content": "This does nothing here; type the command instead.", "flags": 64,
                                                           "allowed_mentions": ["parse": []]])
            }
            logger.debug("interaction ignored", metadata: ["why": "\(why)"])
        case .message, .needsChannel:
            break
        }
    }

    /// Registers `/acp`, `/new` and `/reset` (bulk overwrite) in `commandGuilds`, else globally.
    /// Best effort: a failure is logged, and text commands work regardless.
    private func registerCommands() async {
        guard let app = applicationId else {
            logger.notice("no application id: slash commands are not registered (text commands work)")
            return
        }
        let definitions = ApplicationCommands.definitions()
        let guilds: [String?] = options.commandGuilds.isEmpty ? [nil] : options.commandGuilds.map { $0 }
        for guild in guilds {
            do {
                try await rest.overwriteCommands(application: app, guild: guild, commands: definitions)
            } catch {
                logger.warning("cannot register the slash commands", metadata: ["guild": "\(guild ?? "global")", "error": "\(error)"])
            }
        }
    }

    private func followup(token interactionToken: String, data: JSONValue, text: String) async {
        guard let app = applicationId ?? data["application_id"]?.stringValue else { return }
        do {
            try await rest.createFollowup(application: app, token: interactionToken, content: text, ephemeral: true)
        } catch {
            logger.warning("cannot answer a button press", metadata: ["error": "\(error)"])
        }
    }

    /// The ephemeral notice for whoever pressed a button, or nil when it worked.
    static func notice(for outcome: InboundOutcome?) -> String? {
        guard let outcome else { return "Could not handle this now: try again." }
        switch outcome.refusal {
        case .rateLimited?: return "Rate limited: try again later."
        case .inProgress?: return "Still working on the previous press."
        case .keyConflict?: return "This press was already handled."
        case nil: return outcome.accepted ? nil : "Not allowed."
        }
    }

    private func setState(_ next: AccountState, error: String? = nil) {
        state.withLock { $0 = next }
        let mapped: ChannelAccountStatus.State = switch next {
        case .starting: .starting
        case .connected: .running
        case .reconnecting: .backoff
        case .failed: .failed
        case .disabled, .stopped: .stopped
        }
        status.withLock { current in
            if current.state != mapped { current.since = Date() }
            current.state = mapped
            if let error { current.lastError = error }
        }
        Gauge(label: "acpd_channel_up", dimensions: [("channel", "discord"), ("account", accountId ?? "default")])
            .record(next == .connected ? 1 : 0)
    }

    // MARK: Outbound

    /// `POST /channels/{id}/messages` (a thread's messages go to the thread's own id).
    public func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
                     context: OutgoingContext) async throws -> MessageRef {
        try requireEnabled()
        let channel = try target(of: conversation)
        do {
            let message = try await rest.createMessage(channel: channel, content: text, components: MessageComponents.rows(buttons))
            guard let id = message["id"]?.stringValue else { throw ChannelError.outcomeUnknown("Discord answered a message without an id") }
            return MessageRef(conversation: conversation, messageId: id)
        } catch let error as DiscordAPIError {
            throw error.channelError
        }
    }

    /// `PATCH /channels/{id}/messages/{id}`; an edit that changes nothing succeeds (Discord accepts it);
    /// no buttons removes them.
    public func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        try requireEnabled()
        let channel = try target(of: message.conversation)
        guard (try? DiscordConversationID.snowflake(message.messageId)) != nil else {
            throw ChannelError.permanent("\(message.messageId) is not a Discord message id")
        }
        do {
            try await rest.editMessage(channel: channel, message: message.messageId, content: text, components: MessageComponents.rows(buttons))
        } catch {
            throw error.channelError
        }
    }

    /// The typing indicator in `conversation` (Discord shows it 10 s, or until the bot posts).
    /// Best effort: a failure is logged at debug level.
    public func showActivity(in conversation: ConversationRef) async {
        guard isEnabled, let channel = try? target(of: conversation) else { return }
        do { try await rest.triggerTyping(channel: channel) } catch {
            logger.debug("typing indicator failed", metadata: ["channel": "\(channel)", "error": "\(error)"])
        }
    }

    /// Discord's limit on a thread name, in characters.
    static let maxThreadName = 100

    /// Creates a thread named `title` (cut to 100 characters) in the channel of `parent` (threads
    /// do not nest: a thread's own parent is used): from the `/acp spawn` message being handled in
    /// `parent` when there is one (the thread then hangs under the command), else a public thread.
    public func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        try requireEnabled()
        let channel = try target(of: ConversationRef(channel: parent.channel, accountId: parent.accountId,
                                                     conversationId: parent.parentConversationId ?? parent.conversationId))
        let trimmed = title.trimmingPrefix(while: \.isWhitespace)
        let name = trimmed.isEmpty ? "acpd" : String(trimmed.prefix(Self.maxThreadName))
        let command = parent.parentConversationId == nil ? spawnsInFlight.withLock { $0[parent.conversationId]?.first } : nil
        let thread: JSONValue
        do {
            if let command {
                do {
                    thread = try await rest.startThread(channel: channel, name: name, fromMessage: command)
                } catch .api(let status, _, _, _, _) where (400..<500).contains(status) && status != 429 {
                    // The message already has a thread, or is gone: a thread of its own.
                    thread = try await rest.startThread(channel: channel, name: name)
                }
            } else {
                thread = try await rest.startThread(channel: channel, name: name)
            }
        } catch {
            throw error.channelError
        }
        guard var info = DiscordChannelInfo(json: thread) else { throw ChannelError.outcomeUnknown("Discord answered a thread without an id") }
        if info.parentId == nil { info.parentId = channel }
        directory.record(info)
        return ConversationRef(channel: .discord, accountId: parent.accountId, conversationId: info.id, parentConversationId: channel)
    }

    /// Deletes thread `thread` (and its messages).
    public func removeThread(_ thread: ConversationRef) async throws {
        let id = try target(of: thread)
        guard thread.parentConversationId != nil || directory.info(id)?.isThread == true else {
            throw ChannelError.permanent("\(id) is not a Discord thread acpd can delete")
        }
        do {
            try await rest.deleteChannel(id)
        } catch {
            throw error.channelError
        }
        directory.remove(id)
    }

    /// The DM channel with user `userId`, opened once and remembered.
    public func directConversation(with userId: String) async throws -> ConversationRef {
        try requireEnabled()
        guard (try? DiscordConversationID.snowflake(userId)) != nil else { throw ChannelError.permanent("\(userId) is not a Discord user id") }
        let account = accountId ?? ConversationRef.defaultAccount
        if let known = directChannels.withLock({ $0[userId] }) {
            return ConversationRef(channel: .discord, accountId: account, conversationId: known)
        }
        let channel: JSONValue
        do {
            channel = try await rest.openDM(recipient: userId)
        } catch {
            throw error.channelError
        }
        guard let id = channel["id"]?.stringValue else { throw ChannelError.transient("Discord answered a DM channel without an id") }
        directChannels.withLock { $0[userId] = id }
        directory.record(DiscordChannelInfo(id: id, type: 1))
        return ConversationRef(channel: .discord, accountId: account, conversationId: id)
    }

    private func requireEnabled() throws {
        guard isEnabled else { throw ChannelError.permanent("discord account \(accountId ?? "default") is disabled in config") }
    }

    private func target(of conversation: ConversationRef) throws -> String {
        do {
            return try DiscordConversationID.snowflake(conversation.conversationId)
        } catch {
            throw ChannelError.permanent(error.message)
        }
    }
}
