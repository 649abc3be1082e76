import Foundation
import Testing
import TestSupport

/// Every keyword of docs/demo-agent.md in one scripted session, checked turn by turn, and the
/// whole stdout validated against the ACP v1 schema (`validate_acp.py --side agent`).
@Suite("Demo agent keywords")
struct DemoAgentKeywordTests {
    /// One scripted turn: the prompt, the expected stop reason (or error code) and a check.
    struct Step {
        let prompt: String
        var stopReason: String? = "end_turn"
        var errorCode: Int? = nil
        let check: (DemoAgentProcess.Turn) -> Bool
    }

    static let unicode = "grüße 🚀 naïve – 日本語"

    static func steps(cwd: URL) -> [Step] {
        [
            Step(prompt: "plain") { $0.text == "echo: plain" && $0.updates("agent_message_chunk").count == 3 },
            Step(prompt: "[chunks=5][delay=5] hi") { turn in
                let ids = Set(turn.updates("agent_message_chunk").compactMap { $0["messageId"] as? String })
                return turn.updates("agent_message_chunk").count == 5 && ids.count == 1 && turn.text == "echo: [chunks=5][delay=5] hi"
            },
            Step(prompt: "[thought]") { $0.updates("agent_thought_chunk").count == 1 },
            Step(prompt: "[plan]") { turn in
                let plans = turn.updates("plan")
                return plans.count == 2 && plans.allSatisfy { ($0["entries"] as? [Any])?.count == 2 }
            },
            Step(prompt: "[tool]") { turn in
                let calls = turn.updates("tool_call"), updates = turn.updates("tool_call_update")
                return calls.count == 1 && calls[0]["kind"] as? String == "read"
                    && updates.map { $0["status"] as? String } == ["in_progress", "completed"]
                    && updates.allSatisfy { $0["toolCallId"] as? String == calls[0]["toolCallId"] as? String }
            },
            Step(prompt: "[permission]") { turn in
                let options = ((turn.permissionRequests.first?["params"] as? [String: Any])?["options"] as? [[String: Any]]) ?? []
                return turn.permissionRequests.count == 1 && turn.text == "permission: selected allow-once"
                    && options.map { $0["optionId"] as? String } == ["allow-once", "allow-always", "reject-once"]
            },
            Step(prompt: "[usage]") { $0.updates("usage_update").count == 1 },
            Step(prompt: "[big=300000]") { turn in
                turn.updates("agent_message_chunk").count == 1 && turn.text.utf8.count == 300_000 && turn.text.allSatisfy { $0 == "x" }
            },
            Step(prompt: "[unicode][chunks=2]") { $0.text == Self.unicode },
            Step(prompt: "[fail]", stopReason: nil, errorCode: -32603) { $0.text.isEmpty },
            Step(prompt: "[refuse]", stopReason: "refusal") { $0.text == "echo: [refuse]" },
            Step(prompt: "[env]") { turn in
                let names = turn.text.split(separator: ",").map(String.init)
                return names.contains("PATH") && names == names.sorted()
            },
            Step(prompt: "[cwd]") { $0.text == "cwd: \(FileManager.default.currentDirectoryPath) session: \(cwd.path)" },
            Step(prompt: "[stderr=3000]") { $0.text == "echo: [stderr=3000]" },
            Step(prompt: "[late]") { $0.text == "echo: [late]" },
        ]
    }

    @Test("every keyword behaves as documented and all output validates against the ACP schema")
    func everyKeyword() async throws {
        try await withTemporaryDirectory { dir in
            let agent = try DemoAgentProcess.demo(stateDir: dir.appendingPathComponent("state"))
            try await agent.initialize()
            let session = try await agent.newSession(cwd: dir)
            _ = try await agent.next("available_commands_update") { DemoAgentJSON.updateKind($0) == "available_commands_update" }

            for step in Self.steps(cwd: dir) {
                let turn = try await agent.prompt(session, step.prompt)
                #expect(turn.stopReason == step.stopReason, "\(step.prompt): \(turn.response)")
                #expect(DemoAgentJSON.errorCode(turn.response) == step.errorCode, "\(step.prompt): \(turn.response)")
                #expect(step.check(turn), "\(step.prompt): \(turn.messages)")
            }
            // [late]: both updates arrive after the response.
            _ = try await agent.next("the [late] session_info_update") { DemoAgentJSON.updateKind($0) == "session_info_update" }
            _ = try await agent.next("the [late] available_commands_update") { DemoAgentJSON.updateKind($0) == "available_commands_update" }
            #expect(agent.inbox.stderr.joined().utf8.count >= 3000)

            // [hang] and [delay] end only through session/cancel.
            for text in ["[hang]", "[delay=60000]"] {
                let id = agent.sendRequest("session/prompt", ["sessionId": session, "prompt": [["type": "text", "text": text]]])
                agent.sendNotification("session/cancel", ["sessionId": session])
                let line = try await agent.next(timeout: 5, "the cancelled \(text) turn") { DemoAgentJSON.isResponse($0, id: id) }
                #expect(DemoAgentJSON.result(DemoAgentJSON.object(line))?["stopReason"] as? String == "cancelled")
            }

            agent.closeStdin()
            #expect(try await agent.waitForExit() == 0)
            let capture = dir.appendingPathComponent("capture.jsonl")
            try agent.capture.write(to: capture)
            let validation = try await DemoAgentTool.validate(capture, side: "agent")
            #expect(validation.status == 0, "\(validation.output)")
        }
    }

    @Test("[unicode] is written as ASCII with \\u escapes and surrogate pairs")
    func unicodeEscapes() async throws {
        try await withTemporaryDirectory { dir in
            let agent = try DemoAgentProcess.demo(stateDir: dir)
            try await agent.initialize()
            let session = try await agent.newSession(cwd: dir)
            let start = agent.inbox.all.count
            let turn = try await agent.prompt(session, "[unicode][chunks=1]")
            #expect(turn.text == Self.unicode)
            let raw = agent.inbox.all[start...].first { $0.contains("agent_message_chunk") } ?? ""
            #expect(raw.utf8.allSatisfy { $0 < 0x80 }, "not ASCII: \(raw)")
            #expect(raw.contains(#"gr\u00fc\u00dfe \ud83d\ude80 na\u00efve \u2013 \u65e5\u672c\u8a9e"#), "\(raw)")
        }
    }

    @Test("[big=N] arrives as one line of N bytes of text")
    func bigLine() async throws {
        try await withTemporaryDirectory { dir in
            let agent = try DemoAgentProcess.demo(stateDir: dir)
            try await agent.initialize()
            let session = try await agent.newSession(cwd: dir)
            let size = 3_000_000
            let start = agent.inbox.all.count
            let turn = try await agent.prompt(session, "[big=\(size)]", timeout: 60)
            #expect(turn.stopReason == "end_turn")
            let chunkLines = agent.inbox.all[start...].filter { $0.contains("agent_message_chunk") }
            #expect(chunkLines.count == 1)
            #expect(turn.text.utf8.count == size)
        }
    }

    @Test("a multi-megabyte prompt line is read and echoed")
    func bigInput() async throws {
        try await withTemporaryDirectory { dir in
            let agent = try DemoAgentProcess.demo(stateDir: dir)
            try await agent.initialize()
            let session = try await agent.newSession(cwd: dir)
            let text = String(repeating: "é", count: 1_000_000) + " [chunks=2]"
            let turn = try await agent.prompt(session, text, timeout: 60)
            #expect(turn.text == "echo: " + text)
        }
    }
}
