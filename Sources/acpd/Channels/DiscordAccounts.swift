import ACPControlPlane
import AsyncHTTPClient
import Bindings
import ChatDiscord
import Logging

/// The Discord accounts `acpd run` starts: one `DiscordChannel` per enabled account of
/// `channels.discord.accounts`, all sharing one HTTP client whose lifetime is `acpd run`'s
/// (`shutdown()` after the service group ended). Each channel is its own service: one account's
/// failures never stop another or the daemon.
struct DiscordAccounts {
    let channels: [DiscordChannel]
    private let client: HTTPClient?

    init(config: ChannelsConfig, logger: Logger) {
        let enabled = config.discord.filter(\.value.enabled).sorted { $0.key < $1.key }
        let client = enabled.isEmpty ? nil : DiscordREST.makeHTTPClient()
        self.client = client
        channels = enabled.compactMap { id, account in
            guard let client else { return nil }
            let token = account.botToken.value
            let rest = DiscordREST(apiBase: account.apiBase, token: token, client: client)
            return DiscordChannel(accountId: id, token: token, rest: rest, options: .init(applicationId: account.applicationId, commandGuilds: account.commandGuilds),
                                  logger: Logger(label: "acpd.discord"))
        }
        for id in config.discord.filter({ !$0.value.enabled }).keys.sorted() {
            logger.info("discord account disabled in config; not started", metadata: ["account": "\(id)"])
        }
    }

    /// Ends the runtime binding of a thread that is deleted or archived (or a deleted channel),
    /// through `manager`, and says so in the log. Config bindings stay: they are declared.
    func attach(manager: SessionManager, logger: Logger) {
        for channel in channels {
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

    /// Shuts the shared HTTP client down (after the channels stopped and delivery drained).
    func shutdown() async {
        try? await client?.shutdown()
    }
}
