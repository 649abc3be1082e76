import JSONKit
import ACPControlPlane
import Foundation
import Testing
@testable import RuntimeBackends

@Suite("NDJSON framing and JSON parsing")
struct FramingAndParsingTests {
    private func frame(_ chunks: [String], max: Int = 1 << 20) -> [String] {
        var framer = NDJSONFramer(maxLineBytes: max)
        var out: [String] = []
        for chunk in chunks {
            for item in framer.lines(in: Array(chunk.utf8)) {
                switch item {
                case .success(let line): out.append(String(decoding: line, as: UTF8.self))
                case .failure: out.append("<too long>")
                }
            }
        }
        return out
    }

    @Test("framing table", arguments: [
        (["a\nb\n"], ["a", "b"]),
        (["a", "b\n", "c\n"], ["ab", "c"]),
        (["a\r\n\r\n\n  \n\tb\n"], ["a", "\tb"]),
        (["{\"t\":\"x\u{2028}y\"}\n"], ["{\"t\":\"x\u{2028}y\"}"]),
        (["no newline"], []),
    ])
    func framing(chunks: [String], expected: [String]) {
        #expect(frame(chunks) == expected)
    }

    @Test("a line over the limit is dropped once and framing resumes after it")
    func tooLong() {
        #expect(frame(["12345678901\nok\n"], max: 10) == ["<too long>", "ok"])
        #expect(frame(["123456", "78901", "234\nok\n"], max: 10) == ["<too long>", "ok"])
    }

    @Test("finish delivers an unterminated last line")
    func finish() {
        var framer = NDJSONFramer()
        _ = framer.lines(in: Array("tail".utf8))
        var lines: [String] = []
        framer.finish { if case .line(let bytes) = $0 { lines.append(String(decoding: bytes, as: UTF8.self)) } }
        #expect(lines == ["tail"])
    }

    @Test("escapes, surrogate pairs and raw UTF-8 decode exactly")
    func unicode() throws {
        let line = #"{"a":"gr\u00fc\u00dfe \ud83d\ude80 na\u00efve \u2013 日本語 \"q\" \\ \/ \n","b":-1.5e2,"c":12345678901,"d":[true,false,null],"e":"\ud800x"}"#
        let value = try JSONParser.parse(Array(line.utf8))
        #expect(value["a"] == .string("grüße 🚀 naïve – 日本語 \"q\" \\ / \n"))
        #expect(value["b"] == .double(-150))
        #expect(value["c"] == .int(12_345_678_901))
        #expect(value["d"] == .array([.bool(true), .bool(false), .null]))
        #expect(value["e"] == .string("\u{FFFD}x"))
    }

    @Test("malformed JSON is rejected", arguments: ["", "{", "{\"a\":}", "[1,]", "tru", "\"abc", "{\"a\":1} x", "01", "{\"a\":\"\u{01}\"}"])
    func malformed(text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("messages are classified by shape; ids keep their type")
    func classification() throws {
        func decode(_ text: String) throws -> AgentMessage { try AgentMessage.decode(line: Array(text.utf8)) }
        guard case .response(.int(3), .success) = try decode(#"{"jsonrpc":"2.0","id":3,"result":{}}"#) else { Issue.record("int response"); return }
        guard case .response(.string("x"), .failure(let error)) = try decode(#"{"jsonrpc":"2.0","id":"x","error":{"code":-32000,"message":"auth"}}"#) else { Issue.record("error response"); return }
        #expect(error.code == -32000)
        guard case .request(.string("r1"), .other("_x/y")) = try decode(#"{"jsonrpc":"2.0","id":"r1","method":"_x/y","params":{}}"#) else { Issue.record("ext request"); return }
        guard case .notification("_vibe/retrying", _) = try decode(#"{"jsonrpc":"2.0","method":"_vibe/retrying"}"#) else { Issue.record("ext notification"); return }
        guard case .cancelRequest(.int(0)) = try decode(#"{"jsonrpc":"2.0","method":"$/cancel_request","params":{"requestId":0}}"#) else { Issue.record("cancel_request"); return }
        guard case .invalidRequest(.int(1), "session/request_permission", _) = try decode(#"{"jsonrpc":"2.0","id":1,"method":"session/request_permission","params":{}}"#) else { Issue.record("invalid"); return }
        #expect(throws: ACPError.self) { try decode("not json") }
        #expect(throws: ACPError.self) { try decode("[1,2]") }
    }

    @Test("all 11 stable update kinds decode; unknown kinds are kept, not fatal")
    func updateKinds() throws {
        let updates = [
            #"{"sessionUpdate":"user_message_chunk","content":{"type":"text","text":"hi"}}"#,
            #"{"sessionUpdate":"agent_message_chunk","messageId":"m","content":{"type":"text","text":"hi"}}"#,
            #"{"sessionUpdate":"agent_thought_chunk","content":{"type":"text","text":"hm"}}"#,
            #"{"sessionUpdate":"tool_call","toolCallId":"c","title":"t","kind":"future_kind","status":"pending"}"#,
            #"{"sessionUpdate":"tool_call_update","toolCallId":"c","status":"completed"}"#,
            #"{"sessionUpdate":"plan","entries":[{"content":"a","priority":"high","status":"pending"}]}"#,
            #"{"sessionUpdate":"available_commands_update","availableCommands":[{"name":"web","description":"d","input":{"hint":"q"}}]}"#,
            #"{"sessionUpdate":"current_mode_update","currentModeId":"yolo"}"#,
            #"{"sessionUpdate":"config_option_update","configOptions":[]}"#,
            #"{"sessionUpdate":"session_info_update","title":null}"#,
            #"{"sessionUpdate":"usage_update","used":1,"size":2,"cost":{"amount":0.5,"currency":"USD"}}"#,
            #"{"sessionUpdate":"plan_update","whatever":1}"#,
        ]
        var kinds: [String] = []
        for update in updates {
            let line = #"{"jsonrpc":"2.0","method":"session/update","params":{"sessionId":"s","update":"# + update + "}}"
            guard case .sessionUpdate(let notification) = try AgentMessage.decode(line: Array(line.utf8)) else {
                Issue.record("not decoded: \(update)")
                continue
            }
            kinds.append(notification.update.kind)
            if case .sessionInfoUpdate(let info) = notification.update { #expect(info.title == .null) }
        }
        #expect(kinds.count == 12)
        #expect(Set(kinds).count == 12)
    }
}
