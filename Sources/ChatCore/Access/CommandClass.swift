import Bindings

/// How much a command can do, declared per command next to its policy (CONTRACT.md §4
/// "Classes"): what it takes beyond the sender's rank (`CommandPolicy`).
///
/// - `safe`: needs nothing more. The read-only commands (status, sessions, health, help) and those
///   that act only on this conversation's own session (cancel, steer, allow, reject, `/new`,
///   `/reset`), plus `/auth` and `/lock` themselves.
/// - `guarded`: changes state beyond this conversation or reveals the host's internals (spawn,
///   bind, unbind, close, send, approve, deny, doctor, logs; and the per-session overrides
///   permissions and timeout): with `access.secret` set, the sender
///   must have unlocked with `/auth <secret>` or give `--secret <secret>` on the command.
/// - `dangerous`: runs code on the host (run): owner, the secret as for guarded, and `--yes`.
public enum CommandClass: String, Sendable, CaseIterable {
    case safe, guarded, dangerous

    /// True for guarded and dangerous commands: with `access.secret` set they need it.
    public var needsSecret: Bool { self != .safe }
}

extension CommandName {
    /// The command's class (data, like its `policy`). Commands not named here are safe.
    public var commandClass: CommandClass {
        switch self {
        case .spawn, .bind, .unbind, .close, .send, .approve, .deny, .doctor, .logs: .guarded
        // approve-all lets the agent act unasked; a timeout override changes what runs may do.
        case .permissions, .timeout: .guarded
        case .run: .dangerous
        default: .safe
        }
    }
}
