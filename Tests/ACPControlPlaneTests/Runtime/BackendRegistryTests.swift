import ACPControlPlane
import Foundation
import RuntimeBackends
import Testing

/// The registry with the real backends: a missing id, an unhealthy backend (acpx whose binary
/// does not exist), a healthy one (stdio).
@Suite("backend registry")
struct BackendRegistryTests {
    @Test("lookup of an unregistered backend is ACP_BACKEND_MISSING")
    func missing() async {
        let registry = BackendRegistry()
        await registry.register(StdioRuntime())
        await #expect(throws: ACPError.self) { try await registry.lookup("acpx") }
        do {
            _ = try await registry.requireHealthy("nope")
            Issue.record("expected ACP_BACKEND_MISSING")
        } catch {
            #expect(error.code == .backendMissing)
            #expect(error.message.contains("nope"))
        }
    }

    @Test("an unhealthy backend is ACP_BACKEND_UNAVAILABLE; a healthy one is returned")
    func health() async throws {
        let registry = BackendRegistry()
        let missingBinary = "/nonexistent/acpx-\(UUID().uuidString)"
        await registry.register(AcpxRuntime(options: AcpxOptions(command: [missingBinary])))
        await registry.register(StdioRuntime())
        #expect(await registry.ids == ["acpx", "stdio"])
        do {
            _ = try await registry.requireHealthy("acpx")
            Issue.record("expected ACP_BACKEND_UNAVAILABLE")
        } catch {
            #expect(error.code == .backendUnavailable)
        }
        #expect(try await registry.requireHealthy("stdio").id == "stdio")
        await registry.unregister("stdio")
        await #expect(throws: ACPError.self) { try await registry.lookup("stdio") }
    }
}
