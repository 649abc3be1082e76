import ACPControlPlane
import AsyncHTTPClient
import Bindings
import ChatTelegram
import Logging

/// The Telegram accounts `acpd run` starts: one `TelegramChannel` per enabled account of
/// `channels.telegram.accounts`, all sharing one HTTP client whose lifetime is `acpd run`'s
/// (`shutdown()` after the service group ended). Each channel is its own service: one account's
/// failures never stop another or the daemon.
struct TelegramAccounts {
    let channels: [TelegramChannel]
    private let client: HTTPClient?

    init(config: ChannelsConfig, logger: Logger) {
        let enabled = config.telegram.filter(\.value.enabled).sorted { $0.key < $1.key }
        let client = enabled.isEmpty ? nil : TelegramBotAPI.makeHTTPClient()
        self.client = client
        channels = enabled.compactMap { id, account in
            guard let client else { return nil }
            let api = TelegramBotAPI(apiRoot: account.apiRoot, token: account.botToken.value, client: client)
            let timeout = ConfigLimits.clamp(account.pollTimeoutSeconds, to: ConfigLimits.telegramPollTimeoutSeconds)
            return TelegramChannel(accountId: id, api: api, options: .init(pollTimeoutSeconds: timeout),
                                   logger: Logger(label: "acpd.telegram"))
        }
        for id in config.telegram.filter({ !$0.value.enabled }).keys.sorted() {
            logger.info("telegram account disabled in config; not started", metadata: ["account": "\(id)"])
        }
    }

    /// Keeps every account's offset in `store`.
    func attach(store: ControlPlaneStore) {
        for channel in channels { channel.attach(store: store) }
    }

    /// Shuts the shared HTTP client down (after the channels stopped and delivery drained).
    func shutdown() async {
        try? await client?.shutdown()
    }
}
