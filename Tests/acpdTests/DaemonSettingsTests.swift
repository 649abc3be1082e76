import Foundation
import Testing
import TestSupport

/// `acpd run` applies the `acp.*` settings of the config file to the control plane: here the
/// environment passthrough, which decides what of acpd's environment an agent sees.
struct DaemonSettingsTests {
    @Test func configuredPassthroughReachesTheAgents() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: "settings-token")
            let file = directory.appendingPathComponent("acpd.yaml")
            let original = try String(contentsOf: file, encoding: .utf8)
            let narrowed = original.replacingOccurrences(of: "  defaultAgent: demo\n",
                                                         with: "  defaultAgent: demo\n  env: { passthrough: [PATH] }\n")
            #expect(narrowed != original)
            try narrowed.write(to: file, atomically: true, encoding: .utf8)
            let daemon = try await DaemonProcess(directory: directory, port: port, token: "settings-token")
            let (status, accepted) = try await daemon.json("POST", "/v1/messages", body: [
                "conversationId": "room1", "senderId": "alice", "text": "[env]", "messageId": "env-1"])
            #expect(status == 202)
            let runId = try #require(accepted["runId"] as? String)
            let text = try await withDeadline(30, "the [env] answer") {
                while true {
                    let (_, data) = try await daemon.request("GET", "/v1/conversations/room1/messages?after=0")
                    let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                    let messages = object?["messages"] as? [[String: Any]] ?? []
                    if let final = messages.first(where: { $0["runId"] as? String == runId && $0["final"] as? Bool == true }) {
                        return final["text"] as? String ?? ""
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(text.contains("PATH"), "\(text)")
            #expect(!text.contains("HOME"), "only acp.env.passthrough reaches the agent: \(text)")
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }
}
