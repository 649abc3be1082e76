/// The runtime backends known to this process, by id.
public actor BackendRegistry {
    private var backends: [String: any AgentRuntime] = [:]

    public init() {}

    /// Registers `backend` under its id, replacing any earlier one with that id.
    public func register(_ backend: any AgentRuntime) {
        backends[backend.id] = backend
    }

    public func unregister(_ id: String) {
        backends[id] = nil
    }

    public var ids: [String] { backends.keys.sorted() }

    /// The backend with this id, or `ACP_BACKEND_MISSING`.
    public func lookup(_ id: String) throws(ACPError) -> any AgentRuntime {
        guard let backend = backends[id] else {
            throw ACPError(.backendMissing, message: "runtime backend \"\(id)\" is not registered",
                           detail: "registered: \(ids.joined(separator: ", "))")
        }
        return backend
    }

    /// The backend with this id if it is healthy; `ACP_BACKEND_MISSING` or `ACP_BACKEND_UNAVAILABLE`.
    public func requireHealthy(_ id: String) async throws(ACPError) -> any AgentRuntime {
        let backend = try lookup(id)
        if case .unhealthy(let reason) = await backend.health() {
            throw ACPError(.backendUnavailable, message: "runtime backend \"\(id)\" is unavailable", detail: reason)
        }
        return backend
    }
}
