import Foundation
import Testing
import TestSupport

/// SIGHUP: a valid file is reconciled into the store and routes at once; an invalid one is
/// rejected and the daemon keeps serving with the running config.
struct DaemonReloadTests {
    @Test func hangupReconcilesAValidFileAndRejectsAnInvalidOne() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: "reload-token")
            let daemon = try await DaemonProcess(directory: directory, port: port, token: "reload-token")
            let file = directory.appendingPathComponent("acpd.yaml")

            // Valid: a new agent, demo2, and a binding of room2 to it.
            let original = try String(contentsOf: file, encoding: .utf8)
            let extended = original.replacingOccurrences(of: "channels:\n", with: """
                  - type: acp
                    agentId: demo2
                    match:
                      channel: http
                      peer: { kind: direct, id: "room2" }
                channels:

                """).replacingOccurrences(of: "bindings:\n", with: """
                  demo2:
                    command: ["\(TestPaths.demoAgent)"]
                    cwd: ./workspace
                    env: { RELOADED_AGENT: "1" }
                bindings:

                """)
            #expect(extended != original)
            try extended.write(to: file, atomically: true, encoding: .utf8)
            kill(daemon.process.processIdentifier, SIGHUP)
            try await withDeadline(20, "room2's binding appears") {
                while true {
                    let (_, data) = try await daemon.request("GET", "/v1/bindings")
                    if String(decoding: data, as: UTF8.self).contains("http:default:room2") { return }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }

            // The router and the control plane follow the reloaded config: a prompt to room2 is
            // answered there by demo2 (its env names RELOADED_AGENT).
            let (status, accepted) = try await daemon.json("POST", "/v1/messages", body: [
                "conversationId": "room2", "senderId": "alice", "text": "after reload [env]", "messageId": "reload-1"])
            #expect(status == 202)
            #expect(accepted["runId"] is String, "room2 routes after the reload: \(accepted)")
            try await withDeadline(30, "room2's answer") {
                while true {
                    let (_, data) = try await daemon.request("GET", "/v1/conversations/room2/messages?after=0")
                    let text = String(decoding: data, as: UTF8.self)
                    if text.contains("RELOADED_AGENT") { return }
                    #expect(!text.contains("ERROR"), "\(text)")
                    if text.contains("ERROR") { return }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }

            // Invalid: rejected with its errors logged; the daemon still answers.
            try "agents: [not, a, map\n".write(to: file, atomically: true, encoding: .utf8)
            kill(daemon.process.processIdentifier, SIGHUP)
            try await withDeadline(20, "the reload is rejected") {
                while !daemon.log.contains("config reload rejected") { try await Task.sleep(for: .milliseconds(50)) }
            }
            let (ready, _) = try await daemon.request("GET", "/readyz")
            #expect(ready == 200)
            let (_, bindings) = try await daemon.request("GET", "/v1/bindings")
            #expect(String(decoding: bindings, as: UTF8.self).contains("http:default:room2"))
            #expect(!daemon.log.contains("reload-token"), "the token is never logged")
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }
}
