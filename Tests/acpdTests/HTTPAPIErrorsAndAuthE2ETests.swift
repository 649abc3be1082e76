import Foundation
import Testing
import TestSupport

/// Issue 11, findings 4 and 9 through `acpd run`: a client's mistake is answered as one (413 for a
/// body over the limit, 400 for a malformed request), never as the store's 503; `/healthz` and
/// `/readyz` need no token (and `/readyz` tells an anonymous caller no reasons); the `Bearer`
/// scheme is case-insensitive.
struct HTTPAPIErrorsAndAuthE2ETests {
    private static let token = "e2e-auth-\(UUID().uuidString.prefix(8))"

    private static var config: String { E2EConfig.oneRoom(accessLines: ["rateLimit: { perMinute: 600, burst: 200 }"]) }

    /// The status and the `error.code` of a raw HTTP/1.1 response.
    private static func statusAndCode(_ response: String) -> (Int, String?) {
        let status = Int(response.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        return (status, (object?["error"] as? [String: Any])?["code"] as? String)
    }

    @Test("a 2 MiB body is 413 HTTP_BODY_TOO_LARGE, a bad chunk 400 HTTP_BAD_REQUEST; neither is the store's 503, and nothing reaches the router")
    func clientErrorsAreNotUnavailable() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)

            let large = try JSONSerialization.data(withJSONObject: [
                "conversationId": "room1", "senderId": "alice", "messageId": "big", "text": String(repeating: "x", count: 2 << 20)])
            let (status, data) = try await daemon.raw("POST", "/v1/messages", body: large)
            let error = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["error"] as? [String: Any]
            #expect(status == 413, "\(status) \(String(decoding: data.prefix(300), as: UTF8.self))")
            #expect(error?["code"] as? String == "HTTP_BODY_TOO_LARGE", "\(String(decoding: data.prefix(300), as: UTF8.self))")

            let badChunk = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(Self.token)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n{}\r\n0\r\n\r\n"
            let chunkAnswer = try await RawTCPConnection.exchange(port: daemon.port, badChunk, timeout: 10)
            let (chunkStatus, chunkCode) = Self.statusAndCode(chunkAnswer)
            #expect(chunkStatus == 400, "\(chunkAnswer)")
            #expect(chunkCode == "HTTP_BAD_REQUEST", "\(chunkAnswer)")

            #expect(try await daemon.messages("room1").isEmpty)
            #expect(try daemon.runCount() == 0)
            #expect(try await daemon.stop() == 0)
        }
    }

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
