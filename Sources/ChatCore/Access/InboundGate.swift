import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Metrics

/// Every check between a parsed message and its handler, in one place and in the documented order:
/// addressed to us → access (`AccessEvaluator`) → rate limit → argument errors → the `/auth` unlock
/// of guarded commands → commands the gate answers itself (`/auth`, `/lock`, `/acp help`).
///
/// A value type holding the per-sender rate buckets and unlocks: the router keeps one in its actor
/// and calls `check` once per inbound message, with the time as `now`.
public struct InboundGate: Sendable {
    /// What to do with a message.
    public enum Verdict: Sendable, Equatable {
        /// Run the command or send the prompt.
        case proceed
        /// Send exactly this reply and do nothing else.
        case reply(String)
        /// Send nothing and do nothing.
        case ignore
        /// Record one pairing request for the sender, notify the owners, do nothing else.
        case requestApproval
        /// The sender's rate limit is used up: reply `ChatReply.rateLimited`, do nothing else.
        case rateLimited
    }

    /// The access rules; exposed so callers can ask `isOwner`.
    public let evaluator: AccessEvaluator
    private var limiter: RateLimiter
    private var secrets: SecretGate

    /// A gate over `access.*`.
    public init(_ config: AccessConfig) {
        evaluator = AccessEvaluator(config)
        limiter = RateLimiter(config.rateLimit)
        secrets = SecretGate(config)
    }

    /// Decides what happens to `input` from `sender` in a conversation that resolved as `conversation`.
    ///
    /// Only authorised messages use up rate-limit tokens; the console is never rate limited or gated.
    /// `secret` is a `--secret` the message carried (`CarriedSecret`): it stands in for `/auth` on
    /// guarded and dangerous commands; a wrong one is `ERROR: unauthorized`.
    public mutating func check(_ input: ChatInput, sender: SenderRef, conversation: ConversationAccess,
                               pairing: PairingStatus = .none, approvers: Set<SenderRef> = [], now: Date,
                               secret: String? = nil) -> Verdict {
        guard let action = AccessAction(input) else { return .ignore }
        let request = AccessRequest(sender: sender, action: action, conversation: conversation, pairing: pairing,
                                    namesSession: input.namesSession, sendsPrompt: input.sendsPrompt, approvers: approvers)
        switch evaluator.evaluate(request) {
        case .allow: break
        case .deny: return .reply(ChatReply.unauthorized)
        case .ignore: return .ignore
        case .requestApproval: return .requestApproval
        }
        if sender.channel != .console, !limiter.consume(sender, now: now) {
            Counter(label: "acpd_rate_limited_total", dimensions: [("channel", sender.channel.rawValue)]).increment()
            return .rateLimited
        }
        switch input {
        case .prompt, .notAddressedToUs:
            return .proceed
        case .invalid(_, let error):
            return .reply(error.chatText)
        case .command(let command):
            guard secrets.permits(command.name, sender: sender, now: now, secret: secret) else {
                return .reply(secret == nil ? ChatReply.locked : ChatReply.unauthorized)
            }
            switch command {
            case .auth(let secret): return .reply(secrets.authenticate(sender, secret: secret, now: now))
            case .lock: return .reply(secrets.lock(sender))
            case .help: return .reply(CommandHelp.text(guardedBySecret: secrets.isEnabled))
            default: return .proceed
            }
        }
    }

    /// Forgets full rate buckets and expired unlocks (call now and then, e.g. from a sweeper).
    public mutating func purge(now: Date) {
        limiter.purgeIdle(now: now)
        secrets.purgeExpired(now: now)
    }
}
