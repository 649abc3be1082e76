import ACPControlPlane
import AsyncHTTPClient
import Bindings
import ChatDiscord
import Logging
import Synchronization

/// The Discord accounts `acpd run` starts: one `DiscordChannel` per account of
/// `channels.discord.accounts`, all sharing one HTTP client whose lifetime is `acpd run`'s
/// (`shutdown()` after the service group ended). Each channel is its own service: one account's
/// failures never stop another or the daemon. A disabled account's channel runs idle (state
/// `stopped`), so a reload can enable it.
///
/// On SIGHUP (`apply`), exactly the accounts whose settings changed restart with the new ones
/// (token, `apiBase`, `applicationId`, `commandGuilds`, `enabled`); the others are not touched.
/// An account added to the config starts with the next start of acpd (the daemon's channel set is
/// fixed for its lifetime); one removed from it stops.
final class DiscordAccounts: Sendable {
    let channels: [DiscordChannel]
    private let client: HTTPClient?
    private let logger: Logger
    /// The settings each channel runs with, by account id.
    private let running: Mutex<[String: ChannelsConfig.DiscordAccount]>

    init(config: ChannelsConfig, logger: Logger) {
        let accounts = config.discord.sorted { $0.key < $1.key }
        let client = accounts.isEmpty ? nil : DiscordREST.makeHTTPClient()
        self.client = client
        self.logger = logger
        running = Mutex(config.discord)
        channels = accounts.compactMap { id, account in
            guard let client else { return nil }
            return DiscordChannel(accountId: id, token: account.botToken.value, rest: Self.rest(account, client), options: Self.options(account),
                                  enabled: account.enabled, logger: Logger(label: "acpd.discord"))
        }
        for id in config.discord.filter({ !$0.value.enabled }).keys.sorted() {
            logger.info("discord account disabled in config; not started", metadata: ["account": "\(id)"])
        }
    }

    /// Ends the runtime binding of a thread that is deleted or archived (or a deleted channel),
    /// through `manager`, and says so in the log. Config bindings stay: they are declared.
    func attach(manager: SessionManager, logger: Logger) {
        for channel in channels {
            channel.attach(store: manager.store)
            channel.onConversationGone { conversation, why in
                do {
                    for record in try manager.store.activeBindings(for: conversation) where record.source == .runtime {
                        if try await manager.endBinding(id: record.id, reason: why) {
                            logger.notice("runtime binding ended: \(why)", metadata: [
                                "conversation": "\(conversation.canonical)", "session": "\(record.sessionKey)"])
                        }
                    }
                } catch {
                    logger.error("cannot end the runtime binding of a gone conversation",
                                 metadata: ["conversation": "\(conversation.canonical)", "error": "\(error)"])
                }
            }
        }
    }

    /// Puts a reloaded config's Discord accounts into force: restarts exactly the accounts whose
    /// settings changed, stops removed ones, and logs added ones (they start with acpd's next start).
    func apply(_ config: ChannelsConfig) {
        guard let client else {
            if !config.discord.isEmpty { logger.warning("discord accounts added to the config start when acpd restarts") }
            return
        }
        let previous = running.withLock { $0 }
        let byId = Dictionary(channels.compactMap { channel in channel.accountId.map { ($0, channel) } }, uniquingKeysWith: { first, _ in first })
        let now = AccountReload.apply(kind: "discord", ids: channels.compactMap(\.accountId), previous: previous, next: config.discord,
                                      isEnabled: \.enabled, logger: logger) { id, change in
            guard let channel = byId[id] else { return }
            switch change {
            case .removed: channel.setEnabled(false)
            case .changed(let account):
                channel.reconfigure(token: account.botToken.value, rest: Self.rest(account, client), options: Self.options(account),
                                    enabled: account.enabled)
            }
        }
        running.withLock { $0 = now }
    }

    /// Shuts the shared HTTP client down (after the channels stopped and delivery drained).
    func shutdown() async {
        try? await client?.shutdown()
    }

    private static func rest(_ account: ChannelsConfig.DiscordAccount, _ client: HTTPClient) -> DiscordREST {
        DiscordREST(apiBase: account.apiBase, token: account.botToken.value, client: client)
    }

    private static func options(_ account: ChannelsConfig.DiscordAccount) -> DiscordChannel.Options {
        .init(applicationId: account.applicationId, commandGuilds: account.commandGuilds)
    }
}
