import ACPControlPlane
import AsyncHTTPClient
import Bindings
import ChatTelegram
import Logging
import Synchronization

/// The Telegram accounts `acpd run` starts: one `TelegramChannel` per account of
/// `channels.telegram.accounts`, all sharing one HTTP client whose lifetime is `acpd run`'s
/// (`shutdown()` after the service group ended). Each channel is its own service: one account's
/// failures never stop another or the daemon. A disabled account's channel runs idle (state
/// `stopped`), so a reload can enable it.
///
/// On SIGHUP (`apply`), exactly the accounts whose settings changed restart with the new ones
/// (token, `apiRoot`, `pollTimeoutSeconds`, `enabled`, `drafts`); the others are not touched. An account
/// added to the config starts with the next start of acpd (the daemon's channel set is fixed
/// for its lifetime); one removed from it stops.
final class TelegramAccounts: Sendable {
    let channels: [TelegramChannel]
    private let client: HTTPClient?
    private let logger: Logger
    /// The settings each channel runs with, by account id.
    private let running: Mutex<[String: ChannelsConfig.TelegramAccount]>

    init(config: ChannelsConfig, logger: Logger) {
        let accounts = config.telegram.sorted { $0.key < $1.key }
        let client = accounts.isEmpty ? nil : TelegramBotAPI.makeHTTPClient()
        self.client = client
        self.logger = logger
        running = Mutex(config.telegram)
        channels = accounts.compactMap { id, account in
            guard let client else { return nil }
            return TelegramChannel(accountId: id, api: Self.api(account, client), options: Self.options(account),
                                   enabled: account.enabled, logger: Logger(label: "acpd.telegram"))
        }
        for id in config.telegram.filter({ !$0.value.enabled }).keys.sorted() {
            logger.info("telegram account disabled in config; not started", metadata: ["account": "\(id)"])
        }
    }

    /// Keeps every account's offset in `store`.
    func attach(store: ControlPlaneStore) {
        for channel in channels { channel.attach(store: store) }
    }

    /// Puts a reloaded config's Telegram accounts into force: restarts exactly the accounts whose
    /// settings changed, stops removed ones, and logs added ones (they start with acpd's next start).
    func apply(_ config: ChannelsConfig) {
        guard let client else {
            if !config.telegram.isEmpty { logger.warning("telegram accounts added to the config start when acpd restarts") }
            return
        }
        let previous = running.withLock { $0 }
        let byId = Dictionary(channels.compactMap { channel in channel.accountId.map { ($0, channel) } }, uniquingKeysWith: { first, _ in first })
        let now = AccountReload.apply(kind: "telegram", ids: channels.compactMap(\.accountId), previous: previous, next: config.telegram,
                                      isEnabled: \.enabled, logger: logger) { id, change in
            guard let channel = byId[id] else { return }
            switch change {
            case .removed: channel.reconfigure(api: channel.currentAPI, options: channel.currentOptions, enabled: false)
            case .changed(let account): channel.reconfigure(api: Self.api(account, client), options: Self.options(account), enabled: account.enabled)
            }
        }
        running.withLock { $0 = now }
    }

    /// Shuts the shared HTTP client down (after the channels stopped and delivery drained).
    func shutdown() async {
        try? await client?.shutdown()
    }

    private static func api(_ account: ChannelsConfig.TelegramAccount, _ client: HTTPClient) -> TelegramBotAPI {
        TelegramBotAPI(apiRoot: account.apiRoot, token: account.botToken.value, client: client)
    }

    private static func options(_ account: ChannelsConfig.TelegramAccount) -> TelegramChannel.Options {
        .init(pollTimeoutSeconds: ConfigLimits.clamp(account.pollTimeoutSeconds, to: ConfigLimits.telegramPollTimeoutSeconds),
              drafts: account.drafts)
    }
}
