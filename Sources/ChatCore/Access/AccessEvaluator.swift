import ACPControlPlane
import Bindings

/// The one access evaluator for every channel (CONTRACT.md §4 "Who").
///
/// Rank of a sender: console and `access.owners` → owner; `access.allowFrom`, a pairing approved as
/// `operator`, or any unknown sender under `unknownSenders: public` → allowlist; a pairing approved
/// as `member` → member (prompts, and `bound` commands on the conversation's own session); otherwise unknown.
/// A command needs its `CommandName.policy`; a plain message needs `allowlist`, or any sender when
/// the matched binding says `access: members`. `bound` admits, beyond the allowlist, the senders
/// who may prompt in a conversation that resolved to a config `acp` binding with `access: members`
/// (not `access: allowlist`, not a runtime or route binding), for that conversation's own session
/// only: a `bound` command naming another session by key or label needs `allowlist`. `approver`
/// (permission answers) admits the allowlist and the binding's `approvers`, never mere members.
/// When the rank falls short: known senders (owner/allowlist) get `.deny`, and so does a member
/// refused an `approver` command (they can see the prompt; they are told they may not answer it);
/// other unknown senders get `.ignore` under `strict`, `.requestApproval` under
/// `request_approval` with no pairing yet, and `.ignore` when their pairing is pending or denied.
public struct AccessEvaluator: Sendable {
    private let owners: Set<SenderRef>
    private let allowFrom: Set<SenderRef>
    private let unknownSenders: AccessConfig.UnknownSenders

    /// An evaluator over `access.owners`, `access.allowFrom` and `access.unknownSenders`.
    public init(_ config: AccessConfig) {
        owners = Set(config.owners)
        allowFrom = Set(config.allowFrom)
        unknownSenders = config.unknownSenders
    }

    /// How a sender ranks.
    enum Rank: Int, Comparable {
        case unknown, member, allowlist, owner
        static func < (lhs: Rank, rhs: Rank) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The rank of `sender` given its pairing status.
    func rank(_ sender: SenderRef, pairing: PairingStatus) -> Rank {
        if sender.channel == .console || owners.contains(sender) { return .owner }
        if allowFrom.contains(sender) || pairing == .approved || unknownSenders == .public { return .allowlist }
        return pairing == .approvedMember ? .member : .unknown
    }

    /// True when `sender` is an owner (console included).
    public func isOwner(_ sender: SenderRef) -> Bool { rank(sender, pairing: .none) == .owner }

    /// Decides `request`. Pure: the same request always gets the same decision.
    public func evaluate(_ request: AccessRequest) -> AccessDecision {
        let rank = rank(request.sender, pairing: request.pairing)
        if admits(rank, request) { return .allow }
        if rank > .unknown { return .deny }
        if case .command(let name) = request.action, name.policy == .approver, request.conversation.isMembers { return .deny }
        switch (unknownSenders, request.pairing) {
        case (.requestApproval, .none): return .requestApproval
        default: return .ignore
        }
    }

    private func admits(_ rank: Rank, _ request: AccessRequest) -> Bool {
        let conversation = request.conversation
        switch request.action {
        case .prompt:
            return rank >= .member || conversation.isMembers
        case .command(let name):
            switch name.policy {
            case .owner: return rank == .owner
            case .allowlist: return rank >= .allowlist
            case .bound:
                if rank >= .allowlist { return true }
                if rank == .member { return !request.namesSession }
                guard case .configACP(.members) = conversation else { return false }
                return !request.namesSession
            case .approver:
                return rank >= .allowlist || request.approvers.contains(request.sender)
            }
        }
    }
}
