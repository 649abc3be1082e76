import Foundation
import Testing
import TestSupport

/// Targeted protocol behaviour of the demo agent: cancellation, crashes, restarts, auth, errors.
@Suite("Demo agent protocol")
struct DemoAgentProtocolTests {
    private func started(_ dir: URL, _ flags: [String] = []) async throws -> (DemoAgentProcess, String) {
        let agent = try DemoAgentProcess.demo(stateDir: dir.appendingPathComponent("state"), flags)
        try await agent.initialize()
        return (agent, try await agent.newSession(cwd: dir))
    }

    private func startPrompt(_ agent: DemoAgentProcess, _ session: String, _ text: String) -> Int {
        agent.sendRequest("session/prompt", ["sessionId": session, "prompt": [["type": "text", "text": text]]])
    }

    private func stopReason(_ line: String) -> String? {
        DemoAgentJSON.result(DemoAgentJSON.object(line))?["stopReason"] as? String
    }

    @Test("session/cancel during a running turn is answered promptly with stopReason cancelled")
    func cancelIsPrompt() async throws {
        try await withTemporaryDirectory { dir in
            let (agent, session) = try await started(dir)
            let id = startPrompt(agent, session, "[thought][hang]")
            _ = try await agent.next("the thought before [hang]") { DemoAgentJSON.updateKind($0) == "agent_thought_chunk" }
            // [hang] never ends by itself: an answer within the deadline is the cancel's doing. (The
            // agent answers in about a millisecond; the deadline is loose for loaded CI machines.)
            agent.sendNotification("session/cancel", ["sessionId": session])
            let line = try await agent.next(timeout: 5, "the cancelled response") { DemoAgentJSON.isResponse($0, id: id) }
            #expect(stopReason(line) == "cancelled")
            // The session stays usable.
            let turn = try await agent.prompt(session, "again")
            #expect(turn.text == "echo: again")
        }
    }

    @Test("cancelling during a permission request withdraws it and answers cancelled")
    func cancelDuringPermission() async throws {
        try await withTemporaryDirectory { dir in
            let (agent, session) = try await started(dir)
            let id = startPrompt(agent, session, "[permission]")
            let request = DemoAgentJSON.object(try await agent.next("the permission request") {
                $0["method"] as? String == "session/request_permission"
            })
            agent.sendNotification("session/cancel", ["sessionId": session])
            let line = try await agent.next(timeout: 5, "the cancelled response") { DemoAgentJSON.isResponse($0, id: id) }
            #expect(stopReason(line) == "cancelled")
            #expect(agent.inbox.all.contains { DemoAgentJSON.chunkText(DemoAgentJSON.object($0)) == "permission: cancelled" })
            // The client's (late) answer, as the spec requires, is ignored; the agent carries on.
            agent.respond(to: request["id"] ?? 0, result: ["outcome": ["outcome": "cancelled"]])
            let turn = try await agent.prompt(session, "after")
            #expect(turn.text == "echo: after")
        }
    }

    @Test("a permission request answered cancelled by the client ends the turn cancelled")
    func permissionAnsweredCancelled() async throws {
        try await withTemporaryDirectory { dir in
            let (agent, session) = try await started(dir)
            let id = startPrompt(agent, session, "[permission]")
            let request = DemoAgentJSON.object(try await agent.next("the permission request") {
                $0["method"] as? String == "session/request_permission"
            })
            agent.respond(to: request["id"] ?? 0, result: ["outcome": ["outcome": "cancelled"]])
            let line = try await agent.next("the response") { DemoAgentJSON.isResponse($0, id: id) }
            #expect(stopReason(line) == "cancelled")
        }
    }

    @Test("$/cancel_request naming a running prompt cancels it")
    func cancelRequest() async throws {
        try await withTemporaryDirectory { dir in
            let (agent, session) = try await started(dir)
            let id = startPrompt(agent, session, "[hang]")
            agent.sendNotification("$/cancel_request", ["requestId": id])
            let line = try await agent.next(timeout: 5, "the cancelled response") { DemoAgentJSON.isResponse($0, id: id) }
            #expect(stopReason(line) == "cancelled")
        }
    }

    @Test("[hang-hard] ignores session/cancel; only a kill ends it")
    func hangHard() async throws {
        try await withTemporaryDirectory { dir in
            let (agent, session) = try await started(dir)
            let id = startPrompt(agent, session, "[hang-hard]")
            agent.sendNotification("session/cancel", ["sessionId": session])
            // The agent still answers other requests, proving the cancel was read, but not the prompt.
            let probe = try await agent.request("session/new", ["cwd": dir.path, "mcpServers": [Any]()])
            #expect(DemoAgentJSON.result(probe)?["sessionId"] != nil)
            await #expect(throws: TimeoutError.self) {
                _ = try await agent.next(timeout: 0.3, "a response to [hang-hard]") { DemoAgentJSON.isResponse($0, id: id) }
            }
            await agent.kill()
            #expect(try await agent.waitForExit() == -SIGKILL)
        }
    }

    @Test("[crash] sends one chunk and exits with status 3 without answering")
    func crash() async throws {
        try await withTemporaryDirectory { dir in
            let (agent, session) = try await started(dir)
            let id = startPrompt(agent, session, "[crash]")
            #expect(try await agent.waitForExit() == 3)
            let messages = agent.inbox.all.map(DemoAgentJSON.object)
            #expect(messages.filter { DemoAgentJSON.updateKind($0) == "agent_message_chunk" }.count == 1)
            #expect(!messages.contains { DemoAgentJSON.isResponse($0, id: id) })
        }
    }

    @Test("session/load after a restart replays the history before answering")
    func loadAfterRestart() async throws {
        try await withTemporaryDirectory { dir in
            let capture = DemoAgentCapture()
            let first = try DemoAgentProcess.demo(stateDir: dir.appendingPathComponent("state"), capture: capture, connection: 1)
            try await first.initialize()
            let session = try await first.newSession(cwd: dir)
            _ = try await first.prompt(session, "remember me")
            _ = try await first.prompt(session, "and this [chunks=1]")
            first.closeStdin()
            #expect(try await first.waitForExit() == 0)

            let second = try DemoAgentProcess.demo(stateDir: dir.appendingPathComponent("state"), capture: capture, connection: 2)
            try await second.initialize()
            let start = second.inbox.all.count
            let response = try await second.request("session/load", ["sessionId": session, "cwd": dir.path, "mcpServers": [Any]()])
            #expect(DemoAgentJSON.result(response) != nil, "\(response)")
            let replay = second.inbox.all[start...].map(DemoAgentJSON.object)
            let texts = replay.compactMap { message -> String? in
                guard let kind = DemoAgentJSON.updateKind(message) else { return nil }
                return "\(kind): " + (DemoAgentJSON.chunkText(message, kind: kind) ?? "")
            }
            #expect(texts == [
                "user_message_chunk: remember me", "agent_message_chunk: echo: remember me",
                "user_message_chunk: and this [chunks=1]", "agent_message_chunk: echo: and this [chunks=1]",
            ])
            // Replay comes before the response.
            #expect(replay.last.map { $0["method"] == nil } == true)
            let turn = try await second.prompt(session, "continued")
            #expect(turn.text == "echo: continued")

            let unknown = try await second.request("session/load", ["sessionId": "demo-unknown", "cwd": dir.path, "mcpServers": [Any]()])
            #expect(DemoAgentJSON.errorCode(unknown) == -32002)
            second.closeStdin()
            #expect(try await second.waitForExit() == 0)

            let file = dir.appendingPathComponent("capture.jsonl")
            try capture.write(to: file)
            let validation = try await DemoAgentTool.validate(file, side: "both")
            #expect(validation.status == 0, "\(validation.output)")
        }
    }

    @Test("--require-auth answers -32000 until authenticate with demo-login")
    func requireAuth() async throws {
        try await withTemporaryDirectory { dir in
            let agent = try DemoAgentProcess.demo(stateDir: dir, ["--require-auth"])
            let initialize = try await agent.initialize()
            let methods = initialize["authMethods"] as? [[String: Any]] ?? []
            #expect(methods.map { $0["id"] as? String } == ["demo-login"])
            let params: [String: Any] = ["cwd": dir.path, "mcpServers": [Any]()]
            #expect(DemoAgentJSON.errorCode(try await agent.request("session/new", params)) == -32000)
            #expect(DemoAgentJSON.errorCode(try await agent.request("session/prompt", ["sessionId": "x", "prompt": [Any]()])) == -32000)
            #expect(DemoAgentJSON.errorCode(try await agent.request("authenticate", ["methodId": "other"])) == -32602)
            #expect(DemoAgentJSON.result(try await agent.request("authenticate", ["methodId": "demo-login"])) != nil)
            #expect(DemoAgentJSON.result(try await agent.request("session/new", params))?["sessionId"] != nil)
        }
    }

    @Test("unknown methods answer -32601; malformed lines and unknown notifications are dropped")
    func robustness() async throws {
        try await withTemporaryDirectory { dir in
            let (agent, session) = try await started(dir)
            let unknown = try await agent.request("session/frobnicate", [:])
            #expect(DemoAgentJSON.errorCode(unknown) == -32601)
            #expect(DemoAgentJSON.errorCode(try await agent.request("_vendor/thing", [:])) == -32601)
            for line in ["this is not json", "[{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"initialize\"}]", "{\"no\":\"method\"}", "{\"jsonrpc\":\"2.0\",\"method\":\"_vendor/notice\",\"params\":{}}"] {
                agent.sendLine(line, record: false)
            }
            agent.sendLine(#"{"jsonrpc":"1.0","id":"v1","method":"initialize","params":{"protocolVersion":1}}"#, record: false)
            let wrongVersion = DemoAgentJSON.object(try await agent.next("the -32600 answer") { $0["id"] as? String == "v1" })
            #expect(DemoAgentJSON.errorCode(wrongVersion) == -32600)
            let turn = try await agent.prompt(session, "still alive")
            #expect(turn.text == "echo: still alive")
            #expect(DemoAgentJSON.errorCode(try await agent.request("session/prompt", ["sessionId": "demo-nope", "prompt": [Any]()])) == -32002)
            #expect(DemoAgentJSON.errorCode(try await agent.request("session/new", ["cwd": "relative/path", "mcpServers": [Any]()])) == -32602)
            #expect(DemoAgentJSON.errorCode(try await agent.request("session/new", ["cwd": dir.path])) == -32602)
            #expect(!agent.inbox.all.contains { DemoAgentJSON.object($0)["id"] as? Int == 99 })
        }
    }

    @Test("a second prompt while a turn runs is answered -32603 busy")
    func busy() async throws {
        try await withTemporaryDirectory { dir in
            let (agent, session) = try await started(dir)
            let first = startPrompt(agent, session, "[hang]")
            let second = try await agent.request("session/prompt", ["sessionId": session, "prompt": [["type": "text", "text": "x"]]])
            #expect(DemoAgentJSON.errorCode(second) == -32603)
            agent.sendNotification("session/cancel", ["sessionId": session])
            let line = try await agent.next("the first response") { DemoAgentJSON.isResponse($0, id: first) }
            #expect(stopReason(line) == "cancelled")
        }
    }

    @Test("end of stdin cancels running turns, answers them, and exits 0")
    func endOfInput() async throws {
        try await withTemporaryDirectory { dir in
            let (agent, session) = try await started(dir)
            let id = startPrompt(agent, session, "[hang]")
            agent.closeStdin()
            #expect(try await agent.waitForExit(timeout: 5) == 0)
            #expect(agent.inbox.all.contains { line in
                let message = DemoAgentJSON.object(line)
                return DemoAgentJSON.isResponse(message, id: id) && DemoAgentJSON.result(message)?["stopReason"] as? String == "cancelled"
            })
        }
    }

    struct FlagCase: Sendable, CustomTestStringConvertible {
        let flags: [String]
        let protocolVersion: Int
        let loadSession: Bool
        var testDescription: String { flags.joined(separator: " ") }
    }

    @Test("flags change what initialize advertises", arguments: [
        FlagCase(flags: [], protocolVersion: 1, loadSession: true),
        FlagCase(flags: ["--no-load"], protocolVersion: 1, loadSession: false),
        FlagCase(flags: ["--protocol-version", "2"], protocolVersion: 2, loadSession: true),
        FlagCase(flags: ["--init-delay", "200"], protocolVersion: 1, loadSession: true),
    ])
    func flags(_ flagCase: FlagCase) async throws {
        try await withTemporaryDirectory { dir in
            let agent = try DemoAgentProcess.demo(stateDir: dir, flagCase.flags)
            let started = ContinuousClock.now
            let result = try await agent.initialize()
            #expect(result["protocolVersion"] as? Int == flagCase.protocolVersion)
            let capabilities = result["agentCapabilities"] as? [String: Any]
            #expect(capabilities?["loadSession"] as? Bool == flagCase.loadSession)
            #expect((result["agentInfo"] as? [String: Any])?["name"] as? String == "acpd-demo-agent")
            if flagCase.flags.contains("--init-delay") { #expect(ContinuousClock.now - started >= .milliseconds(200)) }
        }
    }

    @Test("a bad flag exits 2 with the usage on stderr")
    func badFlag() async throws {
        let result = try await DemoAgentTool.run(TestPaths.demoAgent, ["--no-such-flag"], timeout: 10)
        #expect(result.status == 2)
        #expect(result.output.contains("usage: acpd-demo-agent"))
    }
}
