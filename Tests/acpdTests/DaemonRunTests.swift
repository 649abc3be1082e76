import Foundation
import Testing
import TestSupport

/// `acpd run` as a subprocess: the HTTP API, the http channel end to end with the demo agent,
/// idempotent posts, metrics, graceful shutdown and a crash-restart on the same store.
@Suite(.serialized)
struct DaemonRunTests {
    private static let token = "test-token-\(UUID().uuidString.prefix(8))"

    private func post(_ daemon: DaemonProcess, text: String, messageId: String, key: String? = nil) async throws -> (Int, [String: Any]) {
        try await daemon.json("POST", "/v1/messages",
                              body: ["conversationId": "room1", "senderId": "alice", "text": text, "messageId": messageId],
                              headers: key.map { ["Idempotency-Key": $0] } ?? [:])
    }

    /// Polls the conversation until a final message of `runId` exists; returns all messages.
    private func finalMessages(_ daemon: DaemonProcess, runId: String) async throws -> [[String: Any]] {
        let data = try await withDeadline(30, "final message of run \(runId)") {
            while true {
                let (_, data) = try await daemon.request("GET", "/v1/conversations/room1/messages?after=0")
                if Self.messages(data).contains(where: { $0["runId"] as? String == runId && $0["final"] as? Bool == true }) { return data }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return Self.messages(data)
    }

    private static func messages(_ data: Data) -> [[String: Any]] {
        ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["messages"] as? [[String: Any]] ?? []
    }

    @Test func apiAuthPromptIdempotencyMetricsAndShutdown() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: Self.token)
            let daemon = try await DaemonProcess(directory: directory, port: port, token: Self.token)

            let (health, _) = try await daemon.request("GET", "/healthz", auth: false)
            #expect(health == 200)
            let (unauthorized, body) = try await daemon.request("GET", "/v1/sessions", auth: false)
            #expect(unauthorized == 401)
            #expect(String(decoding: body, as: UTF8.self).contains("\"error\""))
            let (ready, _) = try await daemon.request("GET", "/readyz")
            #expect(ready == 200)

            let (status, outcome) = try await post(daemon, text: "hello daemon", messageId: "m-1", key: "key-1")
            #expect(status == 202)
            #expect(outcome["accepted"] as? Bool == true)
            let runId = try #require(outcome["runId"] as? String, "outcome: \(outcome)\n\(daemon.log)")
            let messages = try await finalMessages(daemon, runId: runId)
            let texts = messages.filter { $0["runId"] as? String == runId }.compactMap { $0["text"] as? String }
            #expect(texts.joined().contains("echo: hello daemon"), "messages: \(messages)")

            // The same Idempotency-Key again: the first outcome, no second run, no second reply.
            let (_, replay) = try await post(daemon, text: "hello daemon", messageId: "m-1", key: "key-1")
            #expect(replay["runId"] as? String == runId)
            let (_, after) = try await daemon.json("GET", "/v1/conversations/room1/messages?after=0")
            #expect((after["messages"] as? [[String: Any]])?.count == messages.count)

            let (_, run) = try await daemon.json("GET", "/v1/runs/\(runId)")
            #expect(run["id"] as? String == runId)
            let (_, sessions) = try await daemon.json("GET", "/v1/sessions")
            #expect((sessions["sessions"] as? [[String: Any]])?.isEmpty == false)
            let (_, bindings) = try await daemon.json("GET", "/v1/bindings")
            #expect((bindings["bindings"] as? [[String: Any]])?.isEmpty == false)

            let (metricsStatus, metrics) = try await daemon.request("GET", "/metrics")
            #expect(metricsStatus == 200)
            let exposition = String(decoding: metrics, as: UTF8.self)
            #expect(exposition.contains("acpd_runs_total"))
            #expect(exposition.contains(#"acpd_delivery_total{channel="http",result="ok"}"#), "\(exposition)")

            let exit = try await daemon.stop(signal: SIGTERM)
            #expect(exit == 0, "log:\n\(daemon.log)")
        }
    }

    @Test func invalidConversationIsBadRequest() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: Self.token)
            let daemon = try await DaemonProcess(directory: directory, port: port, token: Self.token)
            let (status, body) = try await daemon.json("POST", "/v1/messages",
                                                       body: ["conversationId": "bad id!", "senderId": "alice", "text": "x", "messageId": "1"])
            #expect(status == 400)
            #expect((body["error"] as? [String: Any])?["code"] as? String == "ACP_INVALID_ARGUMENT")
            let (missing, _) = try await daemon.request("GET", "/v1/runs/\(UUID().uuidString)")
            #expect(missing == 404)
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }

    @Test func killedMidRunRestartsOnTheSameStore() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: Self.token)
            let first = try await DaemonProcess(directory: directory, port: port, token: Self.token)
            let (_, done) = try await post(first, text: "first", messageId: "k-1")
            let firstRun = try #require(done["runId"] as? String, "\(done)\n\(first.log)")
            _ = try await finalMessages(first, runId: firstRun)
            let (_, slow) = try await post(first, text: "[delay=2000] slow", messageId: "k-2")
            #expect(slow["runId"] is String)
            _ = try await first.stop(signal: SIGKILL)

            let second = try await DaemonProcess(directory: directory, port: port, token: Self.token)
            let (_, bindings) = try await second.json("GET", "/v1/bindings")
            #expect((bindings["bindings"] as? [[String: Any]])?.contains { ($0["conversation"] as? String)?.hasSuffix(":room1") == true } == true)
            let (_, next) = try await post(second, text: "again", messageId: "k-3")
            let nextRun = try #require(next["runId"] as? String, "\(next)\n\(second.log)")
            let messages = try await finalMessages(second, runId: nextRun)
            // The log is new after a restart: the first daemon's delivered reply must not appear again.
            let texts = messages.compactMap { $0["text"] as? String }
            #expect(!texts.contains { $0.contains("echo: first") }, "messages: \(messages)")
            #expect(texts.joined().contains("echo: again"))
            #expect(try await second.stop(signal: SIGTERM) == 0)
        }
    }
}
