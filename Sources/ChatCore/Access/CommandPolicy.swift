import Bindings

/// Who may run a command (CONTRACT.md §4), declared per command by `CommandName.policy`.
public enum CommandPolicy: String, Sendable, CaseIterable {
    /// `access.owners` only (and the console).
    case owner
    /// Owners and `access.allowFrom` (and unknown senders under `unknownSenders: public`).
    case allowlist
    /// `allowlist`, plus any sender in a conversation that resolved to a config `acp` binding.
    case bound
}
