import Foundation
import Testing
import TestSupport

/// Every error code of CONTRACT.md §5 a chat user can trigger from the http channel of a real
/// `acpd run` (demo agent, real store), one row per input, and the HTTP API's own errors.
///
/// Codes a chat user cannot trigger from the http channel:
/// - `ACP_BACKEND_MISSING`: config validation only accepts the backends `stdio` and `acpx`, and
///   `acpd run` always registers both; only a build without one of them could answer it.
/// - `ACP_PERMISSION_TIMEOUT`: an unanswered permission request is rejected (the agent is told) and
///   the turn goes on; the permission message says "timed out". No reply or run carries the code.
/// - `CONFIG_INVALID`: config loading and SIGHUP reloads only (`acpd config validate`), never chat.
/// - `ACP_PROTOCOL_ERROR` from a misbehaving agent mid-turn (bad JSON lines) needs a broken agent;
///   the row below triggers it at start-up with the demo agent answering protocol version 2.
struct HTTPErrorCodesE2ETests {
    private static let token = "e2e-errors-\(UUID().uuidString.prefix(8))"

    /// Agents that fail in each way at spawn, `maxConcurrentSessions: 1` (session limit) and a
    /// 5-second turn limit (turn timeout; long enough for the session-limit row under load).
    private static var config: String {
        let demo = TestPaths.demoAgent
        return """
            acp:
              defaultAgent: demo
              allowedAgents: [demo, needslogin, oldproto, viaacpx]
              maxConcurrentSessions: 1
              turnTimeoutSeconds: 5
            agents:
              demo: { command: ["\(demo)"], cwd: ./workspace }
              needslogin: { command: ["\(demo)", "--require-auth"], cwd: ./workspace }
              oldproto: { command: ["\(demo)", "--protocol-version", "2"], cwd: ./workspace }
              viaacpx: { command: ["\(demo)"], cwd: ./workspace, backend: acpx }
              hidden: { command: ["\(demo)"], cwd: ./workspace }
            acpx: { command: /nonexistent/acpx-for-acpd-tests }
            bindings:
            \(E2EConfig.acpBinding("room1"))
            channels:
              http: { enabled: true }
            access:
              owners: ["http:alice"]
              allowFrom: ["http:carol"]
              rateLimit: { perMinute: 600, burst: 200 }
            """
    }

    /// One input and the reply it must get: `ERROR: <code>: …` with a `next:` hint.
    struct Row: CustomStringConvertible {
        var code: String
        var conversation = "free"
        var sender = "alice"
        var text: String
        var description: String { "\(code) ← \(sender)@\(conversation): \(text)" }
    }

    /// The session key in an `OK: spawned <key> (…)` reply.
    private static func spawnedKey(_ reply: String?) throws -> String {
        let reply = try #require(reply)
        let rest = try #require(reply.components(separatedBy: "OK: spawned ").dropFirst().first, "\(reply)")
        return String(rest.prefix { $0 != " " })
    }

    @Test func everyUserTriggerableErrorCode() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)

            // Set-up: a conversation bound to a spawned session, and a closed session.
            let taken = try await daemon.post("taken", from: "alice", "/acp spawn --bind here --label taken")
            _ = try Self.spawnedKey(taken.reply)
            let doomed = try await daemon.post("setup", from: "alice", "/acp spawn --label doomed")
            let closedKey = try Self.spawnedKey(doomed.reply)
            #expect(try await daemon.post("setup", from: "alice", "/acp close \(closedKey)").reply == "OK: closed \(closedKey)")
            // room1's config session is created on first use (`/acp allow` below would create it).
            #expect(try await daemon.post("room1", from: "alice", "/acp status").reply?.hasPrefix("OK: ") == true)

            let rows: [Row] = [
                Row(code: "ACP_NOT_BOUND", text: "a prompt where nothing is bound"),
                Row(code: "ACP_NOT_BOUND", text: "/new start over"),
                Row(code: "ACP_NOT_BOUND", text: "/acp unbind"),
                Row(code: "ACP_NOT_BOUND", sender: "carol", text: "/acp status"),
                Row(code: "ACP_SESSION_NOT_FOUND", text: "/acp status no-such-label"),
                Row(code: "ACP_SESSION_NOT_FOUND", text: "/acp bind agent:demo:acp:00000000-0000-0000-0000-000000000000"),
                Row(code: "ACP_SESSION_CLOSED", text: "/acp bind \(closedKey)"),
                Row(code: "ACP_BINDING_CONFLICT", conversation: "taken", text: "/acp spawn --bind here"),
                Row(code: "ACP_INVALID_ARGUMENT", text: "/acp frobnicate"),
                Row(code: "ACP_INVALID_ARGUMENT", text: "/acp spawn --bind here --thread auto"),
                Row(code: "ACP_INVALID_ARGUMENT", text: "/acp spawn --mode forever"),
                Row(code: "ACP_INVALID_ARGUMENT", text: "/acp bind \"unterminated"),
                Row(code: "ACP_INVALID_ARGUMENT", conversation: "room1", text: "/acp unbind"),
                Row(code: "ACP_INVALID_ARGUMENT", conversation: "room1", text: "/acp allow 1"),
                Row(code: "ACP_INVALID_ARGUMENT", text: "/acp approve 4711"),
                Row(code: "ACP_AGENT_NOT_ALLOWED", text: "/acp spawn hidden"),
                Row(code: "ACP_AGENT_NOT_ALLOWED", text: "/acp spawn nosuchagent"),
                Row(code: "ACP_SESSION_INIT_FAILED", text: "/acp spawn needslogin"),
                Row(code: "ACP_PROTOCOL_ERROR", text: "/acp spawn oldproto"),
                Row(code: "ACP_BACKEND_UNAVAILABLE", text: "/acp spawn viaacpx"),
            ]
            let sessionsBefore = try daemon.sessionCount()
            for row in rows {
                let answer = try await daemon.post(row.conversation, from: row.sender, row.text)
                #expect(answer.status == 202, "\(row): \(answer)")
                let reply = answer.reply ?? ""
                #expect(reply.hasPrefix("ERROR: \(row.code): "), "\(row): \(answer)\n\(daemon.log.suffix(2000))")
                #expect(reply.contains("\nnext: "), "\(row): a hint: \(reply)")
                #expect(answer.runId == nil, "\(row)")
                // The same reply is delivered to the conversation.
                #expect(try await daemon.messages(row.conversation).last?.text == reply, "\(row)")
            }
            // Failed spawns roll back: no session was left behind.
            #expect(try daemon.sessionCount() == sessionsBefore)
            // Errors without a code.
            #expect(try await daemon.post("room1", from: "carol", "/acp doctor").reply == "ERROR: unauthorized")

            // ACP_TURN_FAILED: the demo agent fails the prompt; the run's final message carries the code.
            let failed = try await daemon.post("room1", from: "alice", "[fail] please fail")
            let failedRun = try #require(failed.runId, "\(failed)")
            let failedText = try await daemon.finalText("room1", run: failedRun)
            #expect(failedText.contains("ERROR: ACP_TURN_FAILED: "), "\(failedText)")
            #expect(try await daemon.finishedRun(failedRun).errorCode == "ACP_TURN_FAILED")

            // ACP_SESSION_LIMIT: room1's turn holds the only runtime slot, so a spawn is refused;
            // then ACP_TURN_TIMEOUT: that turn never ends and is stopped after turnTimeoutSeconds.
            let hang = try await daemon.post("room1", from: "alice", "[hang] hold the slot")
            let hangRun = try #require(hang.runId, "\(hang)")
            try await withDeadline(20, "the hanging run is running") {
                while try await daemon.run(hangRun)?.state != "running" { try await Task.sleep(for: .milliseconds(20)) }
            }
            let limited = try await daemon.post("free", from: "alice", "/acp spawn")
            #expect(limited.reply?.hasPrefix("ERROR: ACP_SESSION_LIMIT: ") == true, "\(limited)")
            let timedOut = try await daemon.finalText("room1", run: hangRun)
            #expect(timedOut.contains("ERROR: ACP_TURN_TIMEOUT: "), "\(timedOut)")
            #expect(try await daemon.finishedRun(hangRun).errorCode == "ACP_TURN_TIMEOUT")

            // ACP_SESSION_CLOSED: room1's config session closed from chat; the binding is declared, so
            // nothing is routed elsewhere.
            let close = try await daemon.post("room1", from: "alice", "/acp close")
            #expect(close.reply?.hasPrefix("OK: closed agent:demo:acp:binding:http:default:") == true, "\(close)")
            let afterClose = try await daemon.post("room1", from: "alice", "hello closed session")
            #expect(afterClose.reply?.hasPrefix("ERROR: ACP_SESSION_CLOSED: ") == true, "\(afterClose)")
            #expect(afterClose.runId == nil)
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test func dispatchDisabledAndHTTPErrors() async throws {
        let config = """
            acp:
              defaultAgent: demo
              dispatch: { enabled: false }
            \(E2EConfig.demoAgent)
            bindings:
            \(E2EConfig.acpBinding("room1"))
            channels:
              http: { enabled: true }
            access:
              owners: ["http:alice"]
              rateLimit: { perMinute: 600, burst: 200 }
            """
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: config)

            // ACP_DISPATCH_DISABLED: prompts, steer and /new's first prompt; commands still work.
            for text in ["hello agent", "/acp steer go on", "/new first prompt"] {
                let answer = try await daemon.post("room1", from: "alice", text)
                #expect(answer.reply?.hasPrefix("ERROR: ACP_DISPATCH_DISABLED: ") == true, "\(text): \(answer)")
                #expect(answer.runId == nil)
            }
            #expect(try await daemon.post("room1", from: "alice", "/acp status").reply?.hasPrefix("OK: ") == true)
            #expect(try daemon.runCount() == 0)

            // HTTP errors: JSON {"error": {"code", "message"}} with the status.
            let keyed = try await daemon.post("room1", from: "alice", "/acp status", key: "reused-key")
            #expect(keyed.reply?.hasPrefix("OK: ") == true)
            let cases: [(String, Int, String, (Int, Data))] = [
                ("an idempotency key reused for another message", 409, "HTTP_IDEMPOTENCY_CONFLICT",
                 try await daemon.request("POST", "/v1/messages", body: ["conversationId": "room1", "senderId": "alice", "text": "/acp sessions",
                                                                         "messageId": "3"], headers: ["Idempotency-Key": "reused-key"])),
                ("bad JSON", 400, "ACP_INVALID_ARGUMENT", try await daemon.raw("POST", "/v1/messages", body: Data("{not json".utf8))),
                ("missing fields", 400, "ACP_INVALID_ARGUMENT",
                 try await daemon.request("POST", "/v1/messages", body: ["conversationId": "room1", "text": "x"])),
                ("empty senderId", 400, "ACP_INVALID_ARGUMENT",
                 try await daemon.request("POST", "/v1/messages", body: ["conversationId": "room1", "senderId": "", "text": "x", "messageId": "1"])),
                ("blank text", 400, "ACP_INVALID_ARGUMENT",
                 try await daemon.request("POST", "/v1/messages", body: ["conversationId": "room1", "senderId": "alice", "text": " \n ", "messageId": "4"])),
                ("bad conversation id", 400, "ACP_INVALID_ARGUMENT",
                 try await daemon.request("POST", "/v1/messages", body: ["conversationId": "bad id!", "senderId": "alice", "text": "x", "messageId": "2"])),
                ("bad conversation id in the path", 400, "ACP_INVALID_ARGUMENT",
                 try await daemon.request("GET", "/v1/conversations/bad%20id!/messages")),
                ("no bearer", 401, "HTTP_UNAUTHORIZED", try await daemon.request("GET", "/v1/sessions", auth: false)),
                ("wrong bearer", 401, "HTTP_UNAUTHORIZED",
                 try await daemon.raw("POST", "/v1/messages", body: Data(), headers: ["Authorization": "Bearer wrong-\(Self.token)"])),
                ("unknown session", 404, "ACP_SESSION_NOT_FOUND",
                 try await daemon.request("GET", "/v1/sessions/agent:demo:acp:00000000-0000-0000-0000-000000000000")),
                ("unknown run", 404, "HTTP_NOT_FOUND", try await daemon.request("GET", "/v1/runs/\(UUID().uuidString.lowercased())")),
            ]
            for (name, status, code, (gotStatus, data)) in cases {
                #expect(gotStatus == status, "\(name): \(gotStatus) \(String(decoding: data, as: UTF8.self))")
                let error = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["error"] as? [String: Any]
                #expect(error?["code"] as? String == code, "\(name): \(String(decoding: data, as: UTF8.self))")
                #expect((error?["message"] as? String)?.isEmpty == false, "\(name)")
                #expect(!String(decoding: data, as: UTF8.self).contains(Self.token), "\(name): the token never shows")
            }
            // None of them reached the router.
            #expect(try await daemon.messages("room1").count == 5)
            #expect(try await daemon.stop() == 0)
        }
    }
}

extension DaemonProcess {
    /// A request with a raw body (for malformed JSON) and the bearer token unless `headers` sets one.
    func raw(_ method: String, _ path: String, body: Data, headers: [String: String] = [:]) async throws -> (Int, Data) {
        var fields = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        for (name, value) in headers { fields[name] = value }
        return try await TestHTTP.send(method, "http://127.0.0.1:\(port)\(path)", headers: fields, body: body)
    }
}
