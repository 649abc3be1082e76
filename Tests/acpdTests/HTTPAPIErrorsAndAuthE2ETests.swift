import Foundation
import Testing
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue 11, finding 9 through `acpd run`: `/healthz` and `/readyz` need no token (and `/readyz`
/// tells an anonymous caller no reasons); the `Bearer` scheme is case-insensitive.
struct HTTPAPIErrorsAndAuthE2ETests {
    private static let token = "e2e-auth-\(UUID().uuidString.prefix(8))"

    @Test("/healthz and /readyz answer without the token; /readyz gives reasons only with it; the Bearer scheme is case-insensitive, a wrong token or scheme is 401")
    func openHealthAndBearerScheme() async throws {
        try await withTemporaryDirectory { directory in
            // One backend up (stdio), one down (acpx): ready, with a reason that names a path.
            let config = """
                acp: { defaultAgent: demo }
                agents:
                  demo: { command: ["\(TestPaths.demoAgent)"], cwd: ./workspace }
                  viaAcpx: { command: ["\(TestPaths.demoAgent)"], cwd: ./workspace, backend: acpx }
                acpx: { command: "\(directory.path)/no-such-acpx" }
                channels: { http: { enabled: true } }
                access: { owners: ["http:alice"] }
                """
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: config)

            let (healthStatus, _) = try await daemon.request("GET", "/healthz", auth: false)
            #expect(healthStatus == 200)
            let (openStatus, openData) = try await daemon.request("GET", "/readyz", auth: false)
            let open = (try? JSONSerialization.jsonObject(with: openData)) as? [String: Any] ?? [:]
            #expect(openStatus == 200, "\(open)")
            #expect(open["ready"] as? Bool == true && open["detail"] as? String == "ok", "\(open)")
            #expect(open["backends"] as? [String: String] == ["stdio": "ok", "acpx": "unavailable"], "\(open)")
            #expect(!String(decoding: openData, as: UTF8.self).contains("no-such-acpx"), "no paths without the token")
            let (_, full) = try await daemon.json("GET", "/readyz")
            #expect((full["backends"] as? [String: String])?["acpx"]?.hasPrefix("unavailable: ") == true, "\(full)")

            for header in ["bearer \(Self.token)", "BEARER \(Self.token)", "Bearer   \(Self.token)", "bEaReR \(Self.token) "] {
                let (status, _) = try await daemon.request("GET", "/v1/sessions", auth: false, headers: ["Authorization": header])
                #expect(status == 200, "\(header)")
            }
            for header in ["Bearer wrong", "Bearer \(Self.token)x", "Bearer \(Self.token.dropLast())", "Basic \(Self.token)", "Bearer", Self.token] {
                let (status, _) = try await daemon.request("GET", "/v1/sessions", auth: false, headers: ["Authorization": header])
                #expect(status == 401, "\(header)")
            }
            #expect(try await daemon.stop() == 0)
        }
    }
}
