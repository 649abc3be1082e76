import Bindings

/// Every chat command of CONTRACT.md §4, with its grammar facts as data: usage line, summary,
/// who may run it (`policy`) and whether a configured `access.secret` guards it.
public enum CommandName: String, Sendable, CaseIterable, Hashable {
    case spawn, bind, unbind, cancel, steer, close, sessions, status, doctor
    case approve, deny, allow, reject, help
    case new, reset, auth, lock
    case mode, set, model, options, commands, permissions, timeout
    case resetOptions = "reset-options"
    case answer, decline

    /// Who may run it (CONTRACT.md §4 table).
    public var policy: CommandPolicy {
        switch self {
        case .doctor, .approve, .deny: .owner
        case .cancel, .steer, .status, .new, .reset: .bound
        case .allow, .reject: .approver
        case .answer, .decline: .approver
        case .spawn, .bind, .unbind, .close, .sessions, .help, .auth, .lock: .allowlist
        case .mode, .set, .model, .options, .resetOptions, .commands: .bound
        case .permissions, .timeout: .allowlist
        }
    }

    /// True when, with `access.secret` set, the command needs `/auth <secret>` first.
    ///
    /// Guarded: the commands that create, bind, end or list sessions across conversations, and the
    /// owner commands (spawn, bind, unbind, close, sessions, doctor, approve, deny). Commands that act
    /// within this conversation's own session (cancel, steer, status, allow, reject, new, reset, help)
    /// and `/auth` / `/lock` themselves are not.
    public var isGuarded: Bool {
        switch self {
        case .spawn, .bind, .unbind, .close, .sessions, .doctor, .approve, .deny: true
        // approve-all lets the agent act unasked: as guarded as binding a session.
        case .permissions: true
        default: false
        }
    }

    /// True for `/new`, `/reset`, `/auth`, `/lock`; false for the `/acp` subcommands.
    public var isTopLevel: Bool {
        switch self {
        case .new, .reset, .auth, .lock: true
        default: false
        }
    }

    /// The usage line shown in help and in `next:` hints of argument errors.
    public var usage: String {
        switch self {
        case .spawn: "/acp spawn [agent] [--mode persistent|oneshot] [--bind here|off] [--thread auto|here|off] [--cwd PATH] [--label L]"
        case .bind: "/acp bind <session-key|label> [--persist]"
        case .unbind: "/acp unbind"
        case .cancel: "/acp cancel [target]"
        case .steer: "/acp steer <text>"
        case .close: "/acp close [target]"
        case .sessions: "/acp sessions"
        case .status: "/acp status [target]"
        case .doctor: "/acp doctor"
        case .approve: "/acp approve <id> [--role operator|member]"
        case .deny: "/acp deny <id>"
        case .allow: "/acp allow <n> [once|always]"
        case .reject: "/acp reject <n> [once|always]"
        case .help: "/acp help"
        case .new: "/new [text]"
        case .reset: "/reset [text]"
        case .auth: "/auth <secret>"
        case .lock: "/lock"
        case .mode: "/acp mode [id]"
        case .set: "/acp set [option] [value]"
        case .model: "/acp model [value]"
        case .options: "/acp options"
        case .resetOptions: "/acp reset-options"
        case .permissions: "/acp permissions <ask|approve-reads|approve-all|deny-all>"
        case .timeout: "/acp timeout <seconds>"
        case .commands: "/acp commands"
        case .answer: "/acp answer <n> [field=value …] [--set]"
        case .decline: "/acp decline <n>"
        }
    }

    /// One line saying what the command does.
    public var summary: String {
        switch self {
        case .spawn: "create a session (--bind here binds this conversation; --thread makes a thread or topic and binds it)"
        case .bind: "bind this conversation to an existing session"
        case .unbind: "end this conversation's runtime binding"
        case .cancel: "cancel the active run and this conversation's queued runs"
        case .steer: "send text as the next prompt, ahead of queued ones"
        case .close: "close a session: stop its runtime and end its bindings"
        case .sessions: "list up to 20 sessions"
        case .status: "show a session's state, run, queue and binding"
        case .doctor: "run acpd's health checks"
        case .approve: "approve a pairing request"
        case .deny: "deny a pairing request"
        case .allow: "allow the pending permission request numbered n"
        case .reject: "reject the pending permission request numbered n"
        case .help: "show this help"
        case .new: "start a fresh agent session in place; text becomes the first prompt"
        case .reset: "same as /new"
        case .auth: "unlock guarded commands for a while"
        case .lock: "lock guarded commands again"
        case .mode: "list the agent's modes, or switch to one"
        case .set: "list the agent's config options, or set one"
        case .model: "list the agent's models, or pick one"
        case .options: "show this session's overrides and the agent's options as set"
        case .resetOptions: "put overrides, mode and options back to config and the agent's defaults"
        case .permissions: "override acp.permissions.mode for this session"
        case .timeout: "override acp.turnTimeoutSeconds for this session"
        case .commands: "list the agent's own slash commands (send them as messages)"
        case .answer: "answer the agent's question numbered n (fields as field=value; --set records them without sending)"
        case .decline: "decline the agent's question numbered n"
        }
    }
}
