import Foundation
import Testing
import TestSupport

/// `GET /readyz` reports each runtime backend the declared agents use; acpd is not ready only
/// when none of them can start an agent.
struct DaemonReadinessTests {
    static let token = "ready-token"

    private static func start(in directory: URL, agents: String) async throws -> DaemonProcess {
        let port = try DaemonProcess.freePort()
        let yaml = """
            stateDir: ./state
            acp: { defaultAgent: demo }
            acpx: { command: "\(directory.path)/no-such-acpx" }
            agents:
            \(agents)
            channels: { http: { enabled: true } }
            access: { owners: ["http:alice"] }
            api: { listen: "127.0.0.1:\(port)", token: "\(token)" }
            """
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace"), withIntermediateDirectories: true)
        try yaml.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
        return try await DaemonProcess(directory: directory, port: port, token: token)
    }

    @Test("one backend down, another up: ready, and the broken one is named")
    func partlyAvailable() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await Self.start(in: directory, agents: """
                  demo: { command: ["\(TestPaths.demoAgent)"], cwd: ./workspace }
                  viaAcpx: { command: ["\(TestPaths.demoAgent)"], cwd: ./workspace, backend: acpx }
                """)
            let (status, body) = try await daemon.json("GET", "/readyz")
            #expect(status == 200, "\(body)")
            #expect(body["ready"] as? Bool == true)
            let backends = try #require(body["backends"] as? [String: String], "\(body)")
            #expect(backends["stdio"] == "ok")
            #expect(backends["acpx"]?.hasPrefix("unavailable: ") == true, "\(backends)")
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }

    @Test("every declared agent on a backend that cannot run: 503 naming the backend")
    func nothingCanStart() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await Self.start(in: directory, agents: """
                  demo: { command: ["\(TestPaths.demoAgent)"], cwd: ./workspace, backend: acpx }
                """)
            let (status, body) = try await daemon.json("GET", "/readyz")
            #expect(status == 503, "\(body)")
            #expect(body["ready"] as? Bool == false)
            #expect((body["detail"] as? String)?.hasPrefix("no runtime backend is available: acpx unavailable: ") == true, "\(body)")
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }
}
