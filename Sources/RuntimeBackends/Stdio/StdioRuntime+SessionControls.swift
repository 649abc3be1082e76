import ACPControlPlane

/// The stdio backend steers the agent's session from chat (modes, config options).
extension StdioRuntime: AgentSessionControls {
    public func agentState(_ handle: RuntimeHandle) async -> AgentSessionState? {
        guard let connection = await table.connection(for: handle) else { return nil }
        return await connection.agentState
    }

    public func setMode(_ handle: RuntimeHandle, modeId: String) async throws(ACPError) {
        try await liveConnection(handle).setMode(modeId)
    }

    public func setConfigOption(_ handle: RuntimeHandle, optionId: String, value: String) async throws(ACPError) -> [AgentConfigOption] {
        try await liveConnection(handle).setConfigOption(optionId, value: value)
    }

    private func liveConnection(_ handle: RuntimeHandle) async throws(ACPError) -> AgentConnection {
        guard let connection = await table.connection(for: handle), await connection.isAlive else {
            throw ACPError(.turnFailed, message: "the agent of this session is no longer running", hint: "try again to restart it")
        }
        return connection
    }
}
