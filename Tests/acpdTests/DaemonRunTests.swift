import ACPControlPlane
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

    /// One message of the http log, as the API shows it.
    private struct Logged: Decodable, Sendable, Equatable {
        var seq: Int64
        var id: String
        var kind: String
        var runId: String?
        var text: String
        var final: Bool
    }

    private struct LogPage: Decodable { var messages: [Logged] }

    /// Every message of room1, in seq order.
    private func allMessages(_ daemon: DaemonProcess) async throws -> [Logged] {
        let (_, data) = try await daemon.request("GET", "/v1/conversations/room1/messages?after=0")
        return try JSONDecoder().decode(LogPage.self, from: data).messages
    }

    /// Polls room1 until `condition` holds on its messages; returns them.
    private func messages(_ daemon: DaemonProcess, _ what: String,
                          until condition: @escaping @Sendable ([Logged]) -> Bool) async throws -> [Logged] {
        try await withDeadline(30, what) {
            while true {
                let messages = try await allMessages(daemon)
                if condition(messages) { return messages }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// How often `text` occurs in all messages together.
    private static func occurrences(of text: String, in messages: [Logged]) -> Int {
        messages.reduce(0) { $0 + $1.text.components(separatedBy: text).count - 1 }
    }

    /// Issue 5: SIGKILL mid-run, start again on the same store: the binding holds, the log kept
    /// what was delivered, the interrupted run is reported once, nothing appears twice, not even
    /// after further restarts; a SIGTERM during a run still lands its final message.
    @Test func killedMidRunRestartsOnTheSameStore() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: Self.token)
            let first = try await DaemonProcess(directory: directory, port: port, token: Self.token)
            let (_, done) = try await post(first, text: "first", messageId: "k-1")
            let firstRun = try #require(done["runId"] as? String, "\(done)\n\(first.log)")
            _ = try await finalMessages(first, runId: firstRun)
            // A run whose first chunk is delivered (live) before the kill; two more never come.
            let (_, slow) = try await post(first, text: "partial [chunks=3] [delay=1500] abcdefghijklmnopqrstuvwxyz", messageId: "k-2")
            let slowRun = try #require(slow["runId"] as? String, "\(slow)\n\(first.log)")
            _ = try await messages(first, "first chunk of the slow run delivered") { messages in
                messages.contains { $0.runId == slowRun && $0.text.hasPrefix("echo: p") }
            }
            _ = try await first.stop(signal: SIGKILL)

            let second = try await DaemonProcess(directory: directory, port: port, token: Self.token)
            let (_, bindings) = try await second.json("GET", "/v1/bindings")
            #expect((bindings["bindings"] as? [[String: Any]])?.contains { ($0["conversation"] as? String)?.hasSuffix(":room1") == true } == true)
            // Recovery fails the interrupted run; delivery resumes it from its checkpoint.
            let recovered = try await messages(second, "the interrupted run reported") { messages in
                messages.contains { $0.runId == slowRun && $0.text.contains("acpd restarted") }
            }
            #expect(Self.occurrences(of: "echo: first", in: recovered) == 1, "the first reply survives, once: \(recovered)")
            #expect(Self.occurrences(of: "echo: p", in: recovered) == 1, "the partial chunk, once: \(recovered)")
            #expect(Self.occurrences(of: "acpd restarted", in: recovered) == 1, "\(recovered)")
            #expect(recovered.filter { $0.runId == slowRun }.allSatisfy { $0.final }, "\(recovered)")
            let (_, next) = try await post(second, text: "again", messageId: "k-3")
            let nextRun = try #require(next["runId"] as? String, "\(next)\n\(second.log)")
            let afterAgain = try await messages(second, "final reply of run \(nextRun)") { messages in
                messages.contains { $0.runId == nextRun && $0.final }
            }
            #expect(Self.occurrences(of: "echo: again", in: afterAgain) == 1)
            let seqs = afterAgain.map(\.seq)
            #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
            #expect(try await second.stop(signal: SIGTERM) == 0, "log:\n\(second.log)")

            // A second restart repeats nothing; then SIGTERM while a run is going.
            let third = try await DaemonProcess(directory: directory, port: port, token: Self.token)
            let (_, during) = try await post(third, text: "during shutdown [chunks=3] [delay=700]", messageId: "k-4")
            let duringRun = try #require(during["runId"] as? String, "\(during)\n\(third.log)")
            let atThirdStart = try await allMessages(third)
            #expect(atThirdStart.filter { $0.runId != duringRun } == afterAgain, "nothing new or repeated after a restart: \(atThirdStart)")
            _ = try await messages(third, "the run delivers its first chunk") { messages in
                messages.contains { $0.runId == duringRun }
            }
            #expect(try await third.stop(signal: SIGTERM) == 0, "log:\n\(third.log)")

            let fourth = try await DaemonProcess(directory: directory, port: port, token: Self.token)
            let final = try await allMessages(fourth)
            #expect(final.contains { $0.runId == duringRun && $0.final }, "final before exit: \(final)\n\(third.log)")
            #expect(Self.occurrences(of: "echo: during shutdown [chunks=3] [delay=700]", in: final) == 1, "\(final)")
            #expect(final.filter { $0.runId != duringRun } == afterAgain)
            #expect(try await fourth.stop(signal: SIGTERM) == 0)
        }
    }

    @Test("graceful shutdown stops intake first: a POST during the grace answers 503 and starts nothing, /readyz says shutting down, the running turn still lands its final message")
    func shutdownStopsIntakeFirst() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: Self.token)
            let daemon = try await DaemonProcess(directory: directory, port: port, token: Self.token)
            let (_, outcome) = try await post(daemon, text: "slow goodbye [chunks=4] [delay=500]", messageId: "s-1")
            let runId = try #require(outcome["runId"] as? String, "\(outcome)\n\(daemon.log)")
            kill(daemon.process.processIdentifier, SIGTERM)
            // The turn takes ~2 s: intake is closed meanwhile, while the API still answers. (Wait
            // for /readyz to say so first: a POST sent before the signal was handled is accepted.)
            let detail = try await withDeadline(10, "/readyz says shutting down") {
                while true {
                    let (ready, body) = try await daemon.json("GET", "/readyz")
                    if ready == 503 { return body["detail"] as? String }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(detail == "shutting down")
            let (status, body) = try await post(daemon, text: "too late", messageId: "s-2")
            #expect(status == 503, "\(body)")
            #expect((body["error"] as? [String: Any])?["code"] as? String == "HTTP_UNAVAILABLE", "\(body)")
            #expect(try await daemon.stop(signal: SIGTERM) == 0, "log:\n\(daemon.log)")
            // After exit, the store says what happened: the turn finished and was delivered; the
            // refused message started nothing.
            let store = try ControlPlaneStore.open(stateDir: directory.appendingPathComponent("state"))
            defer { try? store.close() }
            let run = try #require(try store.run(RunID(runId)!))
            #expect(run.state.rawValue == "completed")
            let runs = try store.runs(session: run.sessionKey)
            #expect(runs.count == 1, "the refused message started nothing: \(runs.map(\.id))")
            let delivered = try store.channelMessages(of: RunID(runId)!, in: ConversationRef(channel: .http, conversationId: "room1"))
            #expect(delivered.contains { $0.final && $0.text.contains("slow goodbye") }, "\(delivered)")
        }
    }

    @Test("50 concurrent POSTs sharing one Idempotency-Key: one run, and every answer names it (issue 11, finding 5)")
    func concurrentPostsShareOneKey() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: Self.token)
            let daemon = try await DaemonProcess(directory: directory, port: port, token: Self.token)
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let (status, body) = try await self.post(daemon, text: "once for all", messageId: "c-1", key: "shared-key")
                        return (status, body["runId"] as? String)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.0 == 202 }, "\(answers)")
            let runIds = Set(answers.compactMap(\.1))
            #expect(runIds.count == 1 && answers.allSatisfy { $0.1 != nil }, "\(answers)")
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }
}
