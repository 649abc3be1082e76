/// What a session keeps of its agent's settings beyond the agent's own memory, stored with the
/// session (`acp_session_options`): the mode and config option values chosen from chat (applied
/// again whenever the agent session is resumed, loaded or restarted), acpd's own per-session
/// overrides (they win over config), and the last commands and usage the agent reported.
public struct SessionOptions: Sendable, Equatable {
    /// A config option value chosen from chat.
    public struct ConfigChoice: Sendable, Equatable {
        public var id: String
        public var value: String

        public init(id: String, value: String) {
            self.id = id
            self.value = value
        }
    }

    /// The mode chosen with `/acp mode`.
    public var modeId: String?
    /// Config option values chosen with `/acp set` / `/acp model`, in the order they were set.
    public var config: [ConfigChoice] = []
    /// `/acp permissions`: overrides `acp.permissions.mode`.
    public var permissionMode: PermissionMode?
    /// `/acp timeout`: overrides `acp.turnTimeoutSeconds`.
    public var turnTimeoutSeconds: Int?
    /// The agent's slash commands as last reported (nil: never reported).
    public var commands: [AgentCommand]?
    /// The last usage the agent reported, and the agent session it belongs to.
    public var usage: Usage?
    public var usageAgentSession: String?
    /// The cost of earlier agent sessions of this session (each agent session reports its own
    /// cumulative cost; a reset or a lost context starts a new one).
    public var costCarried: Double = 0

    public init(modeId: String? = nil, config: [ConfigChoice] = [], permissionMode: PermissionMode? = nil,
                turnTimeoutSeconds: Int? = nil) {
        self.modeId = modeId
        self.config = config
        self.permissionMode = permissionMode
        self.turnTimeoutSeconds = turnTimeoutSeconds
    }

    /// The value chosen for config option `id`, if any.
    public func value(of id: String) -> String? { config.first { $0.id == id }?.value }

    /// Records `value` as chosen for option `id` (replacing an earlier choice, keeping its place).
    mutating func choose(_ id: String, _ value: String) {
        if let index = config.firstIndex(where: { $0.id == id }) {
            config[index].value = value
        } else {
            config.append(ConfigChoice(id: id, value: value))
        }
    }

    /// The total cost over every agent session of this session, when the agent reports cost.
    public var totalCost: Double? {
        guard let amount = usage?.costAmount else { return costCarried > 0 ? costCarried : nil }
        return costCarried + amount
    }

    /// Takes a usage report of agent session `agentSession`: a report of another agent session
    /// than the last one carries the last one's cost over.
    mutating func noteUsage(_ new: Usage, agentSession: String?) {
        if let previous = usage, usageAgentSession != agentSession { costCarried += previous.costAmount ?? 0 }
        usage = new
        usageAgentSession = agentSession
    }
}
