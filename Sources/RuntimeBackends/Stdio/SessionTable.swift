import ACPControlPlane

/// The stdio backend's bookkeeping: the live agent connection per session key, the agent session
/// id to restore after an agent died, and the crash count behind the restart backoff.
actor SessionTable {
    private struct CrashRecord {
        var count: Int
        var last: ContinuousClock.Instant
    }

    private var live: [SessionKey: AgentConnection] = [:]
    private var remembered: [SessionKey: String] = [:]
    private var crashes: [SessionKey: CrashRecord] = [:]

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
        crashes[key] = nil
        return live.removeValue(forKey: key)
    }

    /// The agent session to restore with `session/load` after the agent process died.
    func rememberedSessionId(for key: SessionKey) -> String? { remembered[key] }

    func connectionDied(_ connection: AgentConnection, key: SessionKey, agentSessionId: String?, crashed: Bool) {
        guard live[key] === connection else { return }
        live[key] = nil
        if let agentSessionId { remembered[key] = agentSessionId }
        if crashed {
            let count = (crashes[key]?.count ?? 0) + 1
            crashes[key] = CrashRecord(count: count, last: .now)
        }
    }

    func turnSucceeded(_ key: SessionKey) {
        crashes[key] = nil
    }

    /// How long to wait before the next start: none after a first crash, then `base`, doubling
    /// per further crash up to `max`, counted from the last crash.
    func restartDelay(for key: SessionKey, base: Double, max maximum: Double) -> Duration {
        guard let record = crashes[key], record.count >= 2 else { return .zero }
        let exponent = Double(min(record.count - 2, 16))
        let delay = Duration.milliseconds(Int64(min(base * pow2(exponent), maximum) * 1000))
        let elapsed = ContinuousClock.now - record.last
        return elapsed >= delay ? .zero : delay - elapsed
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }

    var liveCount: Int { live.count }
}
