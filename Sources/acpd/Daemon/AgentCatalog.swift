import ACPControlPlane
import Bindings
import ChatCore
import Synchronization

/// The agents the control plane may start, as declared by the config in force. The session
/// manager asks it every time it starts a runtime, so an agent added (or changed) by a SIGHUP
/// reload is used from the next start on; a running runtime keeps the spec it started with.
final class AgentCatalog: Sendable {
    private let agents: Mutex<[String: AgentConfig]>

    /// A catalog of `config`'s agents.
    init(_ config: ACPDConfig) {
        agents = Mutex(config.agents)
    }

    /// Replaces the catalog with the agents of a reloaded config.
    func update(_ config: ACPDConfig) {
        agents.withLock { $0 = config.agents }
    }

    /// The runtime backends the declared agents use.
    var backendsInUse: Set<String> {
        agents.withLock { Set($0.values.map(\.backend)) }
    }

    /// The spec of agent `id`, nil when the config in force does not declare it.
    func spec(_ id: String) -> AgentSpec? {
        agents.withLock { $0[id]?.spec }
    }
}
