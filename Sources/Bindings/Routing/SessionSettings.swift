import ACPControlPlane

/// The effective settings of a session made for a binding: `bindings[].acp.*` → `agents.<id>.*`
/// → `acp.*` (CONTRACT.md §3). What the reconciler compares and the store keeps per session.
public struct SessionSettings: Sendable, Hashable, Codable {
    public var agentId: String
    /// Absolute.
    public var cwd: String
    public var mode: SessionMode
    /// Runtime backend id.
    public var backend: String
    /// Only sessions of `type: acp` bindings have one.
    public var label: String?

    /// Settings as given (no fallback applied).
    public init(agentId: String, cwd: String, mode: SessionMode, backend: String, label: String? = nil) {
        self.agentId = agentId
        self.cwd = cwd
        self.mode = mode
        self.backend = backend
        self.label = label
    }

    /// The settings of sessions made for `binding`, or nil when its agent is not declared
    /// (which a validated config rules out).
    public static func effective(for binding: BindingConfig, in config: ACPDConfig) -> SessionSettings? {
        guard let agent = config.agents[binding.agentId] else { return nil }
        return SessionSettings(agentId: agent.id,
                               cwd: binding.overrides.cwd ?? agent.cwd,
                               mode: binding.overrides.mode ?? agent.mode,
                               backend: binding.overrides.backend ?? agent.backend,
                               label: binding.kind == .acp ? binding.overrides.label : nil)
    }

    /// The fields that differ from `other` among those whose change closes and recreates a
    /// session (agent, cwd, mode, backend), as `name old→new` strings; empty when none do.
    /// The label is not among them: renaming does not restart a session.
    public func recreateReasons(comparedTo other: SessionSettings) -> [String] {
        var reasons: [String] = []
        if agentId != other.agentId { reasons.append("agent \(other.agentId)→\(agentId)") }
        if cwd != other.cwd { reasons.append("cwd \(other.cwd)→\(cwd)") }
        if mode != other.mode { reasons.append("mode \(other.mode.rawValue)→\(mode.rawValue)") }
        if backend != other.backend { reasons.append("backend \(other.backend)→\(backend)") }
        return reasons
    }
}
