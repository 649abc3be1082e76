import Bindings

/// Every chat command of CONTRACT.md §4, with its grammar facts as data: usage line, summary,
/// who may run it (`policy`) and whether a configured `access.secret` guards it.
public enum CommandName: String, Sendable, CaseIterable, Hashable {
    case spawn, bind, unbind, cancel, steer, close, sessions, status, doctor
    case approve, deny, allow, reject, help
    case new, reset, auth, lock
    case mode, set, model, options, commands, permissions, timeout
    case resetOptions = "reset-options"
    case health, send, logs, run
    case answer, decline

    /// Who may run it (CONTRACT.md §4 table).
    public var policy: CommandPolicy {
        switch self {
        case .doctor, .approve, .deny: .owner
        case .cancel, .steer, .status, .new, .reset: .bound
        case .allow, .reject: .approver
        case .health, .send: .allowlist
        case .logs, .run: .owner
        case .answer, .decline: .approver
        case .spawn, .bind, .unbind, .close, .sessions, .help, .auth, .lock: .allowlist
        case .mode, .set, .model, .options, .resetOptions, .commands: .bound
        case .permissions, .timeout: .allowlist
        }
    }

    /// True when, with `access.secret` set, the command needs `/auth <secret>` (or `--secret`) first:
    /// its `commandClass` is guarded or dangerous (`CommandClass`).
    public var isGuarded: Bool { commandClass.needsSecret }

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
        case .sessions: "/acp sessions [--limit N] [--active-minutes M] [--agent ID]"
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
        case .health: "/acp health"
        case .send: "/acp send <target> <text>"
        case .logs: "/acp logs [--tail N] [--grep TEXT]"
        case .run: "/acp run [--timeout S] --yes <command…>"
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
        case .sessions: "list open sessions, most recent first (default 20, at most 100)"
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
        case .health: "the daemon at a glance: accounts, sessions, runtimes, queues, pending requests"
        case .send: "prompt another session by key or label; its output goes to that session's conversation"
        case .logs: "acpd's own recent log lines, redacted"
        case .run: "run a shell command on the host (access.shell; owners; needs --yes)"
        case .answer: "answer the agent's question numbered n (fields as field=value; --set records them without sending)"
        case .decline: "decline the agent's question numbered n"
        }
    }
}
