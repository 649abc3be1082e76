import Synchronization

/// The prompt capabilities each agent advertised in its latest `initialize`, by agent id, for
/// callers that must shape a prompt before the session's runtime runs (the router decides
/// between an `image` block and a saved file). In memory only: an agent that has not started
/// since the daemon started is unknown.
final class PromptCapabilityCache: Sendable {
    private let byAgent = Mutex<[String: PromptCapabilities]>([:])

    /// Remembers what agent `agentId` advertised (the latest start wins).
    func record(_ capabilities: PromptCapabilities, agentId: String) {
        byAgent.withLock { $0[agentId] = capabilities }
    }

    /// What agent `agentId` advertised when it last started, or nil when it has not started yet.
    func capabilities(of agentId: String) -> PromptCapabilities? {
        byAgent.withLock { $0[agentId] }
    }
}
