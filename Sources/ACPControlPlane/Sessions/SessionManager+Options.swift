/// The agent settings of a session from chat: modes, config options, acpd's overrides,
/// commands and usage (`/acp mode|set|model|options|reset-options|permissions|timeout|commands`).
extension SessionManager {
    /// The session's agent settings (live state when a runtime is live, else what is stored);
    /// starts nothing.
    public func agentOptions(_ key: SessionKey) async throws -> AgentOptionsStatus {
        try await sessionActor(key).optionsStatus()
    }

    /// What the agent offers now, starting its runtime when none is live. Throws
    /// `ACP_INVALID_ARGUMENT` for a backend that cannot switch modes or options.
    public func agentControlState(_ key: SessionKey) async throws -> AgentControlResult {
        try await sessionActor(key).agentControlState()
    }

    /// Switches the agent's mode to `modeId` (one it offered) and stores the choice.
    public func setAgentMode(_ key: SessionKey, modeId: String) async throws -> AgentControlResult {
        try await sessionActor(key).chooseMode(modeId)
    }

    /// Sets config option `optionId` to `value` (both offered by the agent) and stores the choice;
    /// the agent's answer is the new state.
    public func setAgentConfigOption(_ key: SessionKey, optionId: String, value: String) async throws -> AgentControlResult {
        try await sessionActor(key).chooseConfigOption(optionId, value: value)
    }

    /// Stores acpd's per-session overrides (nil leaves one as it is).
    public func setOverrides(_ key: SessionKey, permissionMode: PermissionMode? = nil, turnTimeoutSeconds: Int? = nil) async throws {
        try await sessionActor(key).setOverrides(permissionMode: permissionMode, turnTimeoutSeconds: turnTimeoutSeconds)
    }

    /// Clears the overrides and the chosen mode and options (see `SessionActor.resetOptions`).
    public func resetOptions(_ key: SessionKey) async throws -> OptionsResetResult {
        try await sessionActor(key).resetOptions()
    }
}
