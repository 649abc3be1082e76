import ACPControlPlane

/// The stdio backend's bookkeeping: the live agent connection per session key and the agent
/// session id to restore after an agent died. (No crash counts: the session manager owns the
/// restart backoff.)
actor SessionTable {
    private var live: [SessionKey: AgentConnection] = [:]
    private var remembered: [SessionKey: String] = [:]

    func connection(for key: SessionKey) -> AgentConnection? { live[key] }

    /// The live connection behind `handle`, nil when it died or was replaced since.
    func connection(for handle: RuntimeHandle) -> AgentConnection? {
        guard let connection = live[handle.sessionKey], connection.instance == handle.runtimeInstance else { return nil }
        return connection
    }

    /// Installs `connection` unless another one became live meanwhile (returned instead).
    func install(_ connection: AgentConnection, for key: SessionKey) -> AgentConnection? {
        if let existing = live[key] { return existing }
        live[key] = connection
        return nil
    }

    func remove(_ key: SessionKey) -> AgentConnection? {
        remembered[key] = nil
        return live.removeValue(forKey: key)
    }

    /// The agent session to restore with `session/load` after the agent process died.
    func rememberedSessionId(for key: SessionKey) -> String? { remembered[key] }

    /// `connection` died (crash, or killed after an ignored cancel): forget it, remember its
    /// agent session for `session/load`.
    func connectionDied(_ connection: AgentConnection, key: SessionKey, agentSessionId: String?) {
        guard live[key] === connection else { return }
        live[key] = nil
        if let agentSessionId { remembered[key] = agentSessionId }
    }

    var liveCount: Int { live.count }
}
