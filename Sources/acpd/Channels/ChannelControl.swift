import ACPControlPlane
import ChatCore
import ChatDiscord
import ChatTelegram
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `acpd channels start|stop|restart <channel>:<account>` and
/// `POST /v1/channels/{channel}/{account}/start|stop|restart`: an operator starts, stops or
/// restarts one Telegram or Discord account of the running daemon, with the settings in force.
///
/// A stop keeps the account's channel in place, idle (state `stopped`, `acpd_channel_up` 0);
/// messages for it wait in their send queues' retries or fail as they would for a disabled
/// account. A restart reconnects (Telegram: a new long poll from the stored offset; Discord: a
/// new gateway session): messages being delivered meanwhile continue once it is back. The
/// choice lasts until the next start of acpd, or a reload that changes the account's settings.
final class ChannelControl: Sendable {
    /// What an operator asks.
    enum Action: String, Sendable, CaseIterable {
        case start, stop, restart
    }

    /// What became of the request.
    enum Outcome: Sendable, Equatable {
        /// Done; the account as it stands after it (it may still be `starting`).
        case done(ChannelAccountStatus?)
        /// No such account in the running daemon.
        case unknownAccount
        /// The channel has no accounts to control (`http`, `console`).
        case notControllable(String)
    }

    let telegram: [TelegramChannel]
    let discord: [DiscordChannel]
    /// `<channel>:<account>` of the accounts an operator stopped (their status says so).
    private let stoppedByOperator = Mutex<Set<String>>([])

    init(telegram: [TelegramChannel], discord: [DiscordChannel]) {
        self.telegram = telegram
        self.discord = discord
    }

    /// `statuses` with the last error of an account an operator stopped saying so (the channel
    /// itself only knows it is disabled).
    func statuses(_ statuses: [ChannelAccountStatus]) -> [ChannelAccountStatus] {
        let stopped = stoppedByOperator.withLock { $0 }
        guard !stopped.isEmpty else { return statuses }
        return statuses.map { status in
            guard status.state == .stopped, stopped.contains(status.name) else { return status }
            var status = status
            status.lastError = "stopped by an operator (acpd channels start \(status.name))"
            return status
        }
    }

    /// Performs `action` on `<channel>:<account>`, then waits (at most `wait`) for the account to
    /// reach the state the action leads to (`stopped`, or `running`), and reports where it stands.
    func perform(_ action: Action, channel: String, account: String, wait: Duration = .seconds(10)) async -> Outcome {
        let status: @Sendable () -> ChannelAccountStatus?
        switch channel {
        case "telegram":
            guard let target = telegram.first(where: { ($0.accountId ?? ConversationRef.defaultAccount) == account }) else { return .unknownAccount }
            target.reconfigure(api: target.currentAPI, options: target.currentOptions, enabled: action != .stop)
            status = { target.accountStatus }
        case "discord":
            guard let target = discord.first(where: { ($0.accountId ?? ConversationRef.defaultAccount) == account }) else { return .unknownAccount }
            target.setEnabled(action != .stop)
            status = { target.accountStatus }
        case "http", "console":
            return .notControllable("the \(channel) channel has no accounts to start or stop")
        default:
            return .unknownAccount
        }
        stoppedByOperator.withLock { stopped in
            if action == .stop { stopped.insert("\(channel):\(account)") } else { stopped.remove("\(channel):\(account)") }
        }
        let goal: ChannelAccountStatus.State = action == .stop ? .stopped : .running
        let deadline = ContinuousClock.now + wait
        // A restart first leaves `running`; give the loop a moment to notice the new generation.
        if action != .stop { try? await Task.sleep(for: .milliseconds(50)) }
        while ContinuousClock.now < deadline, status()?.state != goal {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return .done(status().map { statuses([$0])[0] })
    }
}
