import ACPControlPlane
import Testing

@testable import RuntimeBackends

@Suite("acpx ACP stream")
struct AcpxStreamParserTests {
    static func update(_ body: String) -> String {
        #"{"jsonrpc":"2.0","method":"session/update","params":{"sessionId":"s","update":"# + body + "}}"
    }

    @Test("session/update kinds map to runtime events")
    func updates() {
        let cases: [(String, AcpxStreamItem)] = [
            (Self.update(#"{"sessionUpdate":"agent_message_chunk","messageId":"m1","content":{"type":"text","text":"Hi"}}"#),
             .event(.text(TextDelta(stream: .output, text: "Hi", messageId: "m1")))),
            (Self.update(#"{"sessionUpdate":"agent_thought_chunk","content":{"type":"text","text":"hmm"}}"#),
             .event(.text(TextDelta(stream: .thought, text: "hmm")))),
            (Self.update(#"{"sessionUpdate":"agent_message_chunk","content":{"type":"image","mimeType":"image/png","data":"AA=="}}"#),
             .event(.text(TextDelta(stream: .output, text: "[image image/png]")))),
            (Self.update(#"{"sessionUpdate":"agent_message_chunk","content":{"type":"resource_link","uri":"file:///x","name":"x.md"}}"#),
             .event(.text(TextDelta(stream: .output, text: "x.md")))),
            (Self.update(#"{"sessionUpdate":"tool_call","toolCallId":"c1","title":"Read","kind":"read","locations":[{"path":"/a"}]}"#),
             .event(.toolCall(ToolCallInfo(id: "c1", isNew: true, title: "Read", kind: "read", status: "pending", locations: ["/a"])))),
            (Self.update(#"{"sessionUpdate":"tool_call_update","toolCallId":"c1","status":"completed","content":[{"type":"content","content":{"type":"text","text":"out"}},{"type":"diff","path":"/b","newText":"x"},{"type":"terminal","terminalId":"t1"}]}"#),
             .event(.toolCall(ToolCallInfo(id: "c1", isNew: false, status: "completed", contentText: "out\ndiff: /b\nterminal: t1")))),
            (Self.update(#"{"sessionUpdate":"plan","entries":[{"content":"Do","priority":"high","status":"pending"}]}"#),
             .event(.plan([PlanEntry(content: "Do", priority: "high", status: "pending")]))),
            (Self.update(#"{"sessionUpdate":"usage_update","used":5,"size":10,"cost":{"amount":0.5,"currency":"USD"}}"#),
             .event(.usage(Usage(used: 5, size: 10, costAmount: 0.5, costCurrency: "USD")))),
            (Self.update(#"{"sessionUpdate":"current_mode_update","currentModeId":"yolo"}"#), .event(.modeChanged("yolo"))),
            (Self.update(#"{"sessionUpdate":"current_mode_update","modeId":"plan"}"#), .event(.modeChanged("plan"))),
            (Self.update(#"{"sessionUpdate":"available_commands_update","availableCommands":[{"name":"web","description":"Search","input":{"hint":"q"}}]}"#),
             .event(.commandsUpdated([AgentCommand(name: "web", description: "Search", inputHint: "q")]))),
            (Self.update(#"{"sessionUpdate":"session_info_update","title":"T"}"#), .event(.sessionInfo(title: "T"))),
            (Self.update(#"{"sessionUpdate":"session_info_update","title":null}"#), .event(.sessionInfo(title: nil))),
            (Self.update(#"{"sessionUpdate":"session_info_update","updatedAt":"2026-01-01"}"#), .ignored("session/update session_info_update")),
            (Self.update(#"{"sessionUpdate":"user_message_chunk","content":{"type":"text","text":"echo"}}"#), .ignored("session/update user_message_chunk")),
            (Self.update(#"{"sessionUpdate":"compaction_update"}"#), .ignored("session/update compaction_update")),
            (Self.update(#"{"sessionUpdate":"tool_call"}"#), .ignored("session/update tool_call")),
        ]
        for (line, expected) in cases {
            var parser = AcpxStreamParser()
            #expect(parser.consume(line) == expected, "\(line)")
        }
    }

    @Test("lines that are not JSON objects are skipped, not fatal")
    func malformed() {
        var parser = AcpxStreamParser()
        #expect(parser.consume("plain text") == .malformed("plain text"))
        #expect(parser.consume(#"{"jsonrpc":"2.0","method":"#) == .malformed(#"{"jsonrpc":"2.0","method":"#))
        #expect(parser.consume("[1,2]") == .malformed("[1,2]"))
        #expect(parser.consume("   ") == .ignored("blank line"))
        // The parser keeps working afterwards.
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":7,"result":{"stopReason":"end_turn"}}"#) == .promptResult(.endTurn))
    }

    @Test("the prompt result is the response to acpx's session/prompt request")
    func promptResultById() {
        var parser = AcpxStreamParser()
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#) == .ignored("initialize request 0"))
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":1}}"#) == .ignored("response 0"))
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":"req-1","method":"session/prompt","params":{}}"#) == .ignored(#"session/prompt request "req-1""#))
        // A stop reason answering some other id is not this turn's result.
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":1,"result":{"stopReason":"end_turn"}}"#) == .ignored("stale prompt result"))
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":"req-1","result":{"stopReason":"max_tokens"}}"#) == .promptResult(.maxTokens))
        #expect(parser.finished)
        // Once finished, neither a second result nor late updates count.
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":"req-1","result":{"stopReason":"end_turn"}}"#) == .ignored("stale prompt result"))
        #expect(parser.consume(Self.update(#"{"sessionUpdate":"agent_message_chunk","content":{"type":"text","text":"late"}}"#))
                == .ignored("update after the prompt result"))
    }

    @Test("unknown stop reasons are kept")
    func unknownStopReason() {
        var parser = AcpxStreamParser()
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":3,"result":{"stopReason":"paused"}}"#) == .promptResult(.other("paused")))
    }

    @Test("updates during a session/load are history replay")
    func replay() {
        var parser = AcpxStreamParser()
        let chunk = Self.update(#"{"sessionUpdate":"agent_message_chunk","content":{"type":"text","text":"old"}}"#)
        _ = parser.consume(#"{"jsonrpc":"2.0","id":1,"method":"session/load","params":{}}"#)
        #expect(parser.consume(chunk) == .ignored("history replay"))
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":1,"result":{}}"#) == .ignored("session/load result 1"))
        #expect(parser.consume(chunk) == .event(.text(TextDelta(stream: .output, text: "old"))))
        // A failed load (acpx then falls back to session/new) also ends the replay.
        _ = parser.consume(#"{"jsonrpc":"2.0","id":4,"method":"session/load","params":{}}"#)
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":4,"error":{"code":-32002,"message":"gone"}}"#)
                == .reportedError(AcpxReportedError(code: -32002, message: "gone")))
        #expect(parser.consume(chunk) == .event(.text(TextDelta(stream: .output, text: "old"))))
    }

    @Test("errors: the prompt's own error versus acpx's report")
    func errors() {
        var parser = AcpxStreamParser()
        _ = parser.consume(#"{"jsonrpc":"2.0","id":2,"method":"session/prompt","params":{}}"#)
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32070,"message":"slow","data":{"acpxCode":"TIMEOUT","retryable":true}}}"#)
                == .reportedError(AcpxReportedError(code: -32070, message: "slow", acpxCode: "TIMEOUT", retryable: true)))
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":2,"error":{"code":-32603,"message":"model down"}}"#)
                == .promptError(AcpxReportedError(code: -32603, message: "model down")))
        #expect(parser.finished)
    }

    @Test("acpx's answers to permission requests are reported with the chosen kind")
    func permissions() {
        var parser = AcpxStreamParser()
        let request = #"{"jsonrpc":"2.0","id":0,"method":"session/request_permission","params":{"sessionId":"s","toolCall":{"toolCallId":"c9","title":"rm"},"options":[{"optionId":"a","name":"Allow","kind":"allow_once"},{"optionId":"r","name":"Reject","kind":"reject_once"}]}}"#
        #expect(parser.consume(request) == .ignored("permission request 0"))
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":0,"result":{"outcome":{"outcome":"selected","optionId":"r"}}}"#)
                == .permission(AcpxPermissionDecision(toolCallId: "c9", title: "rm", optionKind: "reject_once", cancelled: false)))
        _ = parser.consume(request)
        let approved = parser.consume(#"{"jsonrpc":"2.0","id":0,"result":{"outcome":{"outcome":"selected","optionId":"a"}}}"#)
        #expect(approved == .permission(AcpxPermissionDecision(toolCallId: "c9", title: "rm", optionKind: "allow_once", cancelled: false)))
        if case .permission(let decision) = approved { #expect(decision.approved) }
        _ = parser.consume(request)
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":0,"result":{"outcome":{"outcome":"cancelled"}}}"#)
                == .permission(AcpxPermissionDecision(toolCallId: "c9", title: "rm", optionKind: nil, cancelled: true)))
        // An outcome for a request that was never seen is just a response.
        #expect(parser.consume(#"{"jsonrpc":"2.0","id":9,"result":{"outcome":{"outcome":"cancelled"}}}"#) == .ignored("response 9"))
    }

    @Test("acpx control objects in the stream are ignored")
    func controlObjects() {
        var parser = AcpxStreamParser()
        #expect(parser.consume(#"{"action":"prompt_queued","acpxRecordId":"r","requestId":"q"}"#) == .ignored("acpx prompt_queued"))
        #expect(parser.consume(#"{"hello":"world"}"#) == .ignored("unrecognised JSON object"))
    }
}
