import ACPControlPlane
import Bindings

/// A parsed chat command (CONTRACT.md §4), its arguments typed and checked.
public enum ChatCommand: Sendable, Equatable {
    case spawn(SpawnOptions)
    /// `target` is a session key or a label, as typed.
    case bind(target: String, persist: Bool)
    case unbind
    case cancel(SessionTarget)
    /// `text` is kept verbatim (newlines included).
    case steer(text: String)
    case close(SessionTarget)
    case sessions(SessionListOptions)
    case status(SessionTarget)
    case doctor
    /// A pairing request id, and the role the sender gets (`--role`, default `operator`).
    case approve(id: String, role: SenderRole = .operator)
    case deny(id: String)
    /// The number of a pending permission request, and which of its allow (reject) options:
    /// `always` the "always" one, `once` the "once" one, nil the first of once, always.
    case allow(number: Int, scope: PermissionScope? = nil)
    case reject(number: Int, scope: PermissionScope? = nil)
    case help
    /// `text` (verbatim) becomes the first prompt of the fresh session; nil when none was given.
    case new(text: String?)
    case reset(text: String?)
    case auth(secret: String)
    case lock
    /// `id` nil: list the agent's modes.
    case mode(id: String?)
    /// Both nil: list the options; `value` nil: list the option's values.
    case set(option: String?, value: String?)
    /// `value` nil: list the values of the agent's `model` option.
    case model(value: String?)
    case options
    case resetOptions
    case permissions(PermissionMode)
    case timeout(seconds: Int)
    case commands
    case health
    /// `target` is a session key or a label, as typed; `text` verbatim.
    case send(target: String, text: String)
    case logs(LogsOptions)
    case run(ShellRunOptions)
    /// The number of a pending elicitation and the field values typed (`field=value`, in order);
    /// `setOnly` (`--set`): record them without submitting.
    case answer(number: Int, fields: [FieldValue], setOnly: Bool)
    case decline(number: Int)

    /// The command's name (and so its policy, usage and guard).
    public var name: CommandName {
        switch self {
        case .spawn: .spawn
        case .bind: .bind
        case .unbind: .unbind
        case .cancel: .cancel
        case .steer: .steer
        case .close: .close
        case .sessions: .sessions
        case .status: .status
        case .doctor: .doctor
        case .approve: .approve
        case .deny: .deny
        case .allow: .allow
        case .reject: .reject
        case .help: .help
        case .new: .new
        case .reset: .reset
        case .auth: .auth
        case .lock: .lock
        case .mode: .mode
        case .set: .set
        case .model: .model
        case .options: .options
        case .resetOptions: .resetOptions
        case .permissions: .permissions
        case .timeout: .timeout
        case .commands: .commands
        case .health: .health
        case .send: .send
        case .logs: .logs
        case .run: .run
        case .answer: .answer
        case .decline: .decline
        }
    }
}

/// The session a command acts on: the one bound here, or one named by key or label.
public enum SessionTarget: Sendable, Equatable {
    /// Omitted: the session bound to this conversation.
    case here
    /// A session key or a label, as typed (the handler looks it up).
    case named(String)
}

/// The options of `/acp spawn`.
public struct SpawnOptions: Sendable, Equatable {
    /// `--bind`.
    public enum Bind: String, Sendable, CaseIterable { case here, off }
    /// `--thread`.
    public enum Thread: String, Sendable, CaseIterable { case auto, here, off }

    /// nil: `acp.defaultAgent`.
    public var agent: String?
    public var mode: SessionMode?
    public var bind: Bind?
    public var thread: Thread?
    /// As typed; the handler resolves and checks it against `acp.workspaceRoots`.
    public var cwd: String?
    public var label: String?

    /// Spawn options; nil fields take the defaults.
    public init(agent: String? = nil, mode: SessionMode? = nil, bind: Bind? = nil, thread: Thread? = nil,
                cwd: String? = nil, label: String? = nil) {
        self.agent = agent
        self.mode = mode
        self.bind = bind
        self.thread = thread
        self.cwd = cwd
        self.label = label
    }
}

/// What a chat message is, from the router's point of view.
public enum ChatInput: Sendable, Equatable {
    /// A well-formed command.
    case command(ChatCommand)
    /// A known command with bad arguments: authorise it as `name`, then reply with `error.chatText`.
    case invalid(CommandName, ACPError)
    /// Not a command of ours: the whole text, unchanged, is a prompt (unknown `/x` commands included,
    /// so agents' own slash commands pass through).
    case prompt(String)
    /// A `/cmd@OtherBot` command addressed to another bot: ignore it.
    case notAddressedToUs
}

/// Which option of a permission request `/acp allow|reject <n> [once|always]` picks.
public enum PermissionScope: String, Sendable, Equatable, CaseIterable {
    case once, always
}

/// One `field=value` of `/acp answer`, as typed (the value is checked against the field later).
public struct FieldValue: Sendable, Equatable {
    public var field: String
    public var value: String

    /// A value with these parts (see the properties).
    public init(field: String, value: String) {
        self.field = field
        self.value = value
    }
}
