import Foundation
import Testing
import TestSupport

/// SIGHUP with changed `access.*` through the http channel of a real `acpd run`: the new lists,
/// secret and redaction are in force from the next message on, and `/auth` unlocks made under
/// the old rules are gone (docs/http-api.md "Signals").
struct HTTPAccessReloadE2ETests {
    private static let token = "e2e-reload-\(UUID().uuidString.prefix(8))"
    private static let oldSecret = "first-secret-\(UUID().uuidString.prefix(6))"
    private static let newSecret = "second-secret-\(UUID().uuidString.prefix(6))"

    private static func config(allowFrom: [String], secret: String) -> String {
        """
        acp:
          defaultAgent: demo
        \(E2EConfig.demoAgent)
        bindings:
        \(E2EConfig.acpBinding("room1"))
        channels:
          http: { enabled: true }
        access:
          owners: ["http:alice"]
          allowFrom: [\(allowFrom.map { "\"\($0)\"" }.joined(separator: ", "))]
          secret: "\(secret)"
          rateLimit: { perMinute: 600, burst: 200 }
        """
    }

    @Test func reloadedAccessRulesSecretAndRedactionApplyFromTheNextMessage() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token,
                                                       config: Self.config(allowFrom: [], secret: Self.oldSecret))
            #expect(try await daemon.post("room1", from: "bob", "hello before").keys == ["accepted"])
            #expect(try await daemon.post("desk", from: "alice", "/auth \(Self.oldSecret)").reply == "OK: unlocked for 600 seconds")
            #expect(try await daemon.post("desk", from: "alice", "/acp doctor").reply?.hasPrefix("OK: ") == true)

            // Rewrite the file (same stateDir and api) and send SIGHUP.
            let yaml = try String(contentsOf: directory.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                .replacingOccurrences(of: "allowFrom: []", with: "allowFrom: [\"http:bob\"]")
                .replacingOccurrences(of: Self.oldSecret, with: Self.newSecret)
            try yaml.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
            kill(daemon.process.processIdentifier, SIGHUP)
            try await withDeadline(20, "config reloaded") {
                while !daemon.log.contains("config reloaded") { try await Task.sleep(for: .milliseconds(25)) }
            }

            // The new allowFrom: bob may prompt now.
            let prompt = try await daemon.post("room1", from: "bob", "hello after")
            let runId = try #require(prompt.runId, "\(prompt)\n\(daemon.log)")
            #expect(try await daemon.finalText("room1", run: runId).contains("echo: hello after"))
            // access changed: the old unlock is gone, the old secret no longer unlocks, the new one does.
            #expect(try await daemon.post("desk", from: "alice", "/acp doctor").reply == "ERROR: locked (send /auth <secret> first)")
            #expect(try await daemon.post("desk", from: "alice", "/auth \(Self.oldSecret)").reply == "ERROR: unauthorized")
            #expect(try await daemon.post("desk", from: "alice", "/auth \(Self.newSecret)").reply == "OK: unlocked for 600 seconds")
            // The new secret is redacted in agent output and in command replies.
            let echo = try await daemon.post("room1", from: "alice", "[chunks=1] new \(Self.newSecret) end")
            let echoRun = try #require(echo.runId, "\(echo)")
            let text = try await daemon.finalText("room1", run: echoRun)
            #expect(text == "echo: [chunks=1] new [redacted] end", "\(text)")
            let status = try await daemon.post("desk", from: "alice", "/acp status \(Self.newSecret)")
            #expect(status.reply?.contains("[redacted]") == true && status.reply?.contains(Self.newSecret) == false, "\(status)")
            #expect(!daemon.log.contains(Self.newSecret) && !daemon.log.contains(Self.oldSecret))
            #expect(try await daemon.stop() == 0)
        }
    }
}
