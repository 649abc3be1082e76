import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How one chat account stands (CONTRACT.md §6 `acpd channels`, `/readyz`, `GET /v1/channels`).
public struct ChannelAccountStatus: Sendable, Equatable {
    /// The account's state; raw values are the contract's words.
    public enum State: String, Sendable, Equatable, CaseIterable {
        /// Configured and started, not yet connected (e.g. Telegram's first `getMe`).
        case starting
        /// Connected and taking messages.
        case running
        /// A failure (network, server, rate limit, another poller); retrying with backoff.
        case backoff
        /// Not running: disabled in config, or acpd is shutting down.
        case stopped
        /// Given up until its settings change (a rejected token, intents not allowed).
        case failed
    }

    public var channel: ConversationRef.Channel
    public var accountId: String
    public var state: State
    /// When the account entered `state`.
    public var since: Date
    /// The last error seen (kept after a recovery until the next one), never a secret.
    public var lastError: String?

    /// A status.
    public init(channel: ConversationRef.Channel, accountId: String, state: State, since: Date, lastError: String? = nil) {
        self.channel = channel
        self.accountId = accountId
        self.state = state
        self.since = since
        self.lastError = lastError
    }

    /// `<channel>:<account>`, as `acpd channels start|stop|restart` names an account.
    public var name: String { "\(channel.rawValue):\(accountId)" }
}
