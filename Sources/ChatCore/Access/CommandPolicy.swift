import Bindings

/// Who may run a command (CONTRACT.md §4), declared per command by `CommandName.policy`.
public enum CommandPolicy: String, Sendable, CaseIterable {
    /// `access.owners` only (and the console).
    case owner
    /// Owners and `access.allowFrom` (and unknown senders under `unknownSenders: public`).
    case allowlist
    /// `allowlist`, plus any sender who may prompt in a conversation that resolved to a config
    /// `acp` binding with `access: members`. Under `access: allowlist` a stranger may do nothing.
    case bound
    /// Answers to the agent's permission (and elicitation) requests: `allowlist`, or a sender in
    /// the matched binding's `approvers`. Never mere membership: a member who may prompt may not
    /// approve what the agent does (`ERROR: unauthorized`).
    case approver
}
