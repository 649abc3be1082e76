/// A session's agent settings as chat shows them (`/acp options`, `/acp status`, `/acp mode`, …).
public struct AgentOptionsStatus: Sendable {
    /// The session's backend can switch modes and options (`AgentSessionControls`).
    public var backendSupportsControls: Bool
    /// The backend id (`stdio`, `acpx`).
    public var backend: String
    /// What the live agent session offers and uses now; nil when no runtime is live.
    public var live: AgentSessionState?
    /// What is stored: the choices made from chat, acpd's overrides, last commands and usage.
    public var options: SessionOptions
    /// `acp.permissions.mode` and `acp.turnTimeoutSeconds` from config (overridden by `options`).
    public var configPermissionMode: PermissionMode
    public var configTurnTimeoutSeconds: Int

    /// The permission mode in force for the session.
    public var permissionMode: PermissionMode { options.permissionMode ?? configPermissionMode }
    /// The turn timeout in force for the session, in seconds.
    public var turnTimeoutSeconds: Int { options.turnTimeoutSeconds ?? configTurnTimeoutSeconds }
}

/// The outcome of a change made from chat: the agent's state afterwards and what the user should
/// be told besides (the agent was started and lost its context, a stored choice was dropped).
public struct AgentControlResult: Sendable {
    public var state: AgentSessionState
    public var notices: [String]
}

/// What `reset-options` did.
public struct OptionsResetResult: Sendable {
    /// Options the live agent session was set back to its defaults for (mode and option ids).
    public var restored: [String]
    /// True when choices were made but the live agent's defaults are unknown (its session was
    /// resumed or loaded, not created, by this acpd): it keeps them until `/new`.
    public var agentKeepsChoices: Bool
}
