import ACPControlPlane
import Bindings

/// How the conversation of a message resolved, as far as access is concerned.
public enum ConversationAccess: Sendable, Equatable {
    /// No binding: only commands are answered.
    case none
    /// A runtime binding (spawn/bind): never widens access.
    case runtime
    /// A config `type: acp` binding with its `access` setting.
    case configACP(BindingConfig.Access)
    /// A `type: route` binding with its `access` setting.
    case route(BindingConfig.Access)

    /// The access view of a binding match (nil: no binding). Stale and to-be-created matches count
    /// like bound ones: the binding is declared either way.
    public init(_ match: BindingMatch?) {
        guard let match else {
            self = .none
            return
        }
        switch match.source {
        case .runtime: self = .runtime
        case .config: self = .configACP(match.access)
        case .route: self = .route(match.access)
        }
    }

    /// The access view of a resolution.
    public init(_ resolution: Resolution) { self.init(resolution.match) }

    /// True when the binding says `access: members` (runtime bindings never do).
    var isMembers: Bool {
        switch self {
        case .configACP(.members), .route(.members): true
        default: false
        }
    }
}

/// What a sender's pairing request (under `unknownSenders: request_approval`) looks like.
public enum PairingStatus: Sendable, Equatable, CaseIterable {
    /// No request recorded.
    case none
    /// Recorded, not answered yet.
    case pending
    /// Approved by an owner as `operator`: the sender counts as allowlisted.
    case approved
    /// Approved by an owner as `member`: prompts and `bound` commands on the conversation's own
    /// session, nothing else (never a permission answer).
    case approvedMember
    /// Denied by an owner.
    case denied
}

/// What is being authorised: a command (by name) or a plain message.
public enum AccessAction: Sendable, Equatable {
    case command(CommandName)
    case prompt

    /// The action of a parsed input; nil for `.notAddressedToUs` (nothing to authorise).
    public init?(_ input: ChatInput) {
        switch input {
        case .command(let command): self = .command(command.name)
        case .invalid(let name, _): self = .command(name)
        case .prompt: self = .prompt
        case .notAddressedToUs: return nil
        }
    }
}

/// The input of `AccessEvaluator.evaluate(_:)`.
public struct AccessRequest: Sendable, Equatable {
    /// `<channel>:<id>`; the `console` channel's sender is an owner.
    public var sender: SenderRef
    public var action: AccessAction
    public var conversation: ConversationAccess
    public var pairing: PairingStatus
    /// True when the command names its target session by key or label (`/acp status <key>`) instead
    /// of acting on the session bound here. A `bound` command then needs `allowlist`: a config
    /// binding admits its conversation's senders to that conversation's session only.
    public var namesSession: Bool
    /// True when the command sends text to the agent (`/acp steer <text>`, `/new <text>`,
    /// `/reset <text>`). Beyond `allowlist`, only a conversation whose binding admits plain
    /// messages (`access: members`) lets a sender do that: a command is no way around the rule for prompts.
    public var sendsPrompt: Bool
    /// The matched binding's `approvers`: senders who may answer permission requests here besides
    /// the allowlist (empty without a config or route binding).
    public var approvers: Set<SenderRef>

    /// A request to authorise `action` by `sender` in a conversation that resolved as `conversation`.
    public init(sender: SenderRef, action: AccessAction, conversation: ConversationAccess, pairing: PairingStatus = .none,
                namesSession: Bool = false, sendsPrompt: Bool = false, approvers: Set<SenderRef> = []) {
        self.sender = sender
        self.action = action
        self.conversation = conversation
        self.pairing = pairing
        self.namesSession = namesSession
        self.sendsPrompt = sendsPrompt
        self.approvers = approvers
    }
}

extension ChatInput {
    /// True for a command whose target is a session named by key or label (`/acp cancel <key>`,
    /// `/acp status <label>`, `/acp close <key>`), not the one bound to the conversation.
    public var namesSession: Bool {
        guard case .command(let command) = self else { return false }
        switch command {
        case .cancel(.named), .status(.named), .close(.named): return true
        default: return false
        }
    }

    /// True for a command that sends text to the agent: `/acp steer <text>`, and `/new` or `/reset`
    /// with a first prompt.
    public var sendsPrompt: Bool {
        guard case .command(let command) = self else { return false }
        switch command {
        case .steer: return true
        case .new(let text), .reset(let text): return text.map { !$0.allSatisfy(\.isWhitespace) } ?? false
        default: return false
        }
    }
}

/// The evaluator's answer.
public enum AccessDecision: Sendable, Equatable {
    /// Go ahead.
    case allow
    /// Reply exactly `ERROR: unauthorized` and do nothing else.
    case deny
    /// Do nothing and send nothing (`unknownSenders: strict`, or a pairing already pending or denied).
    case ignore
    /// Record one pairing request for this sender and tell the owners; do nothing else.
    case requestApproval

    /// The reply to send, if any (`ERROR: unauthorized` for `.deny`; the pipeline words the
    /// pairing notice itself).
    public var reply: String? {
        self == .deny ? ChatReply.unauthorized : nil
    }
}
