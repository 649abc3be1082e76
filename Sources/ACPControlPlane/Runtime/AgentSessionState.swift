/// A mode the agent offers for a session (ACP `SessionMode`).
public struct AgentMode: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String?

    public init(id: String, name: String, description: String? = nil) {
        self.id = id
        self.name = name
        self.description = description
    }
}

/// One of the agent's session config options (ACP `SessionConfigOption` of type `select`; acpd
/// does not advertise boolean options, and options of another type are left out).
public struct AgentConfigOption: Sendable, Equatable {
    /// A value the option offers (groups are flattened, in order).
    public struct Value: Sendable, Equatable {
        public var value: String
        public var name: String
        public var description: String?

        public init(value: String, name: String, description: String? = nil) {
            self.value = value
            self.name = name
            self.description = description
        }
    }

    public var id: String
    public var name: String
    public var description: String?
    /// `mode`, `model`, `model_config`, `thought_level` or a custom `_…` category; nil when absent.
    public var category: String?
    public var currentValue: String
    public var values: [Value]

    public init(id: String, name: String, description: String? = nil, category: String? = nil,
                currentValue: String, values: [Value]) {
        self.id = id
        self.name = name
        self.description = description
        self.category = category
        self.currentValue = currentValue
        self.values = values
    }
}

/// What the agent told acpd about one of its sessions: the modes and config options it offers
/// (with the current ones), its slash commands and the last usage it reported. The runtime keeps
/// it current from the `session/new|load|resume` answers, `session/set_config_option` results and
/// the `current_mode_update`, `config_option_update`, `available_commands_update` and
/// `usage_update` notifications, whether or not a turn is running.
public struct AgentSessionState: Sendable, Equatable {
    public var modes: [AgentMode]
    public var currentModeId: String?
    /// In the agent's order (its priority order).
    public var configOptions: [AgentConfigOption]
    /// Nil until the agent sent an `available_commands_update`.
    public var commands: [AgentCommand]?
    /// Nil until the agent sent a `usage_update`.
    public var usage: Usage?
    /// The agent advertised `sessionCapabilities.resume` / `.close`.
    public var canResume: Bool
    public var canClose: Bool

    public init(modes: [AgentMode] = [], currentModeId: String? = nil, configOptions: [AgentConfigOption] = [],
                commands: [AgentCommand]? = nil, usage: Usage? = nil, canResume: Bool = false, canClose: Bool = false) {
        self.modes = modes
        self.currentModeId = currentModeId
        self.configOptions = configOptions
        self.commands = commands
        self.usage = usage
        self.canResume = canResume
        self.canClose = canClose
    }
}

/// What a backend that can steer an agent's session from chat implements in addition to
/// `AgentRuntime` (the `stdio` backend does; `acpx` does not, and chat says so).
public protocol AgentSessionControls: AgentRuntime {
    /// The agent's session state behind `handle`; nil when that runtime is gone.
    func agentState(_ handle: RuntimeHandle) async -> AgentSessionState?

    /// `session/set_mode` with a mode id the agent offered. Throws `ACP_INVALID_ARGUMENT` for an id
    /// it did not offer (nothing is sent) and `ACP_TURN_FAILED` when the agent refused it.
    func setMode(_ handle: RuntimeHandle, modeId: String) async throws(ACPError)

    /// `session/set_config_option` with an option id and value the agent offered; returns the
    /// complete option list the agent answered, which replaces the runtime's state. Throws as
    /// `setMode` does.
    func setConfigOption(_ handle: RuntimeHandle, optionId: String, value: String) async throws(ACPError) -> [AgentConfigOption]
}
