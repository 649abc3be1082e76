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
    let settings: Mutex<Settings>
    let restarts = GenerationSignal()
    let logger: Logger
    let directory = ChannelDirectory()
    let queue = InboundQueue()
    let state = Mutex(AccountState.starting)
    let status: Mutex<ChannelAccountStatus>
    let botUser = Mutex<String?>(nil)
    let application: Mutex<String?>
    let directChannels = Mutex<[String: String]>([:])
    let commandsRegistered = Mutex(false)
    let conversationGone = Mutex<ConversationGone?>(nil)
    /// `/acp spawn` messages offered and not yet handled, by conversation, oldest first: a thread
    /// the spawn asks for starts from its command message (the router handles the messages of a
    /// conversation one at a time, in order, so the oldest is the one being handled).
    let spawnsInFlight = Mutex<[String: [String]]>([:])
    /// Where a run's Discord message ids are kept while its delivery is under way (`attach(store:)`).
    let store = Mutex<ControlPlaneStore?>(nil)

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
    func connect(_ current: Settings) async {
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

    func setState(_ next: AccountState, error: String? = nil) {
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
}
