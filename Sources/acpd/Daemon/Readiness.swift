import ACPControlPlane
import ChatCore

/// What `GET /readyz` reports: whether acpd can take work now, why not, and each runtime
/// backend's health.
struct ReadinessReport: Sendable, Equatable {
    var ready: Bool
    var detail: String
    /// Backend id → `ok` or `unavailable: <reason>`, for the backends declared agents use.
    var backends: [String: String]
    /// `detail` without reasons: `ok`, `shutting down`, `store unavailable` or `no runtime
    /// backend is available`.
    var summary: String

    /// What a caller without the API token sees: no reasons (they may name paths and commands).
    var withoutReasons: ReadinessReport {
        ReadinessReport(ready: ready, detail: summary, backends: backends.mapValues { $0 == "ok" ? "ok" : "unavailable" }, summary: summary)
    }
}

/// Decides readiness: not ready while shutting down, when the store cannot be read, or when
/// every backend a declared agent uses is unavailable (no agent could start). One backend down
/// while another still serves is reported in `backends` but keeps acpd ready: the agents on the
/// healthy backend still work, and chat commands answer either way.
struct Readiness: Sendable {
    /// The chat channels: once none takes messages, acpd is shutting down.
    let channels: [any ChatChannel]
    let store: ControlPlaneStore
    let registry: BackendRegistry
    let agents: AgentCatalog

    func check() async -> ReadinessReport {
        guard channels.isEmpty || channels.contains(where: \.isAcceptingInbound) else { return ReadinessReport(ready: false, detail: "shutting down", backends: [:], summary: "shutting down") }
        do { _ = try store.schemaVersion() } catch {
            return ReadinessReport(ready: false, detail: "store: \(error)", backends: [:], summary: "store unavailable")
        }
        var backends: [String: String] = [:]
        for id in agents.backendsInUse.sorted() {
            do {
                _ = try await registry.requireHealthy(id)
                backends[id] = "ok"
            } catch {
                backends[id] = "unavailable: \(error.detail ?? error.message)"
            }
        }
        if !backends.isEmpty, !backends.values.contains("ok") {
            let summary = backends.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ")
            return ReadinessReport(ready: false, detail: "no runtime backend is available: \(summary)", backends: backends,
                                   summary: "no runtime backend is available")
        }
        return ReadinessReport(ready: true, detail: "ok", backends: backends, summary: "ok")
    }
}
