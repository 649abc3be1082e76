import Bindings
import ChatCore

/// Doctor's look at the chat accounts of a running `acpd run` (its `GET /v1/channels`): what only
/// the daemon sees, such as Telegram's 409 Conflict (another poller or a webhook on the token)
/// or an account given up after its token was rejected.
extension ChannelChecks {
    /// One check per account the running daemon reports; a skip when no daemon answers.
    func runningAccounts() async -> [DoctorCheck] {
        let configured = !config.channels.telegram.isEmpty || !config.channels.discord.isEmpty
        guard configured else { return [] }
        switch await DaemonAPIClient.channels(config) {
        case .failure(let why):
            return [.skip("chat accounts in the running daemon", why.reason)]
        case .success(let accounts):
            return accounts.map(check)
        }
    }

    private func check(_ account: ChannelAccountStatus) -> DoctorCheck {
        let name = "\(account.name) in the running daemon"
        let error = account.lastError ?? "no error recorded"
        switch account.state {
        case .running, .starting:
            return .pass(name, account.state.rawValue)
        case .stopped:
            return .pass(name, "stopped: \(error)")
        case .failed:
            return .fail(name, "failed: \(error)", hint: "fix the account's settings (token, apiRoot, intents), then reload acpd (SIGHUP)")
        case .backoff where error.contains("409"):
            return .fail(name, "not polling: \(error)",
                         hint: "stop the other process polling this bot, or remove its webhook (Bot API deleteWebhook); acpd retries every few minutes")
        case .backoff:
            return .warn(name, "retrying: \(error)", hint: "check the network and the platform's status; acpd retries with backoff")
        }
    }
}
