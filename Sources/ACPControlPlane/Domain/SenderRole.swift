/// What an owner let a paired sender do (CONTRACT.md §4 `/acp approve <id> --role`).
public enum SenderRole: String, Sendable, Equatable, CaseIterable, Codable {
    /// Joins the allowlist: prompts and every `allowlist` command.
    case `operator`
    /// Sends prompts and uses `bound` commands on the conversation's own session; nothing else,
    /// never an answer to a permission request.
    case member
}
