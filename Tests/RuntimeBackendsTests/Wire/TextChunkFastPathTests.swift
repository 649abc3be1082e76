import JSONKit
import Foundation
import Testing
@testable import RuntimeBackends

/// The text-chunk fast path of `AgentMessage.decode(line:)` must give exactly what the generic
/// `Decodable` path gives, and must step aside for every shape it does not fully understand.
@Suite("session/update text-chunk fast path")
struct TextChunkFastPathTests {
    static let taken: [String] = [
        #"{"sessionId":"s1","update":{"sessionUpdate":"agent_message_chunk","content":{"type":"text","text":"hi"}}}"#,
        #"{"sessionId":"s1","update":{"sessionUpdate":"agent_message_chunk","messageId":"m1","content":{"type":"text","text":"grüße 🚀"}}}"#,
        #"{"sessionId":"s1","update":{"sessionUpdate":"agent_thought_chunk","content":{"type":"text","text":""}}}"#,
        #"{"sessionId":"s1","update":{"sessionUpdate":"user_message_chunk","messageId":"u","content":{"text":"x","type":"text"}}}"#,
        #"{"_meta":{"a":1},"sessionId":"s1","update":{"content":{"type":"text","text":"t","_meta":{}},"sessionUpdate":"agent_message_chunk"}}"#,
    ]

    static let declined: [String] = [
        #"{"sessionId":"s1","update":{"sessionUpdate":"agent_message_chunk","content":{"type":"text","text":"a","annotations":{"priority":1}}}}"#,
        #"{"sessionId":"s1","update":{"sessionUpdate":"agent_message_chunk","messageId":null,"content":{"type":"text","text":"a"}}}"#,
        #"{"sessionId":"s1","update":{"sessionUpdate":"agent_message_chunk","messageId":7,"content":{"type":"text","text":"a"}}}"#,
        #"{"sessionId":"s1","update":{"sessionUpdate":"agent_message_chunk","content":{"type":"resource_link","uri":"file:///a","name":"a"}}}"#,
        #"{"sessionId":"s1","update":{"sessionUpdate":"plan","entries":[]}}"#,
        #"{"sessionId":"s1","update":{"sessionUpdate":"agent_message_chunk","content":{"type":"text"}}}"#,
        #"{"sessionId":1,"update":{"sessionUpdate":"agent_message_chunk","content":{"type":"text","text":"a"}}}"#,
    ]

    private func params(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test("plain text chunks take the fast path and equal the Decodable result", arguments: taken)
    func fastPathMatchesDecodable(_ line: String) throws {
        let value = try params(line)
        let fast = try #require(SessionNotification.plainTextChunk(value))
        let slow = try JSONValueDecoder.decode(SessionNotification.self, from: value)
        #expect(fast == slow)
    }

    @Test("other shapes are left to the Decodable path", arguments: declined)
    func otherShapesDecline(_ line: String) throws {
        #expect(SessionNotification.plainTextChunk(try params(line)) == nil)
    }

    @Test("a whole line decodes the same through AgentMessage either way")
    func agentMessageUsesFastPath() throws {
        let line = #"{"jsonrpc":"2.0","method":"session/update","params":"# + Self.taken[1] + "}"
        guard case .sessionUpdate(let notification) = try AgentMessage.decode(line: Array(line.utf8)) else {
            Issue.record("not decoded as session/update")
            return
        }
        #expect(notification.sessionId == "s1")
        guard case .agentMessageChunk(let chunk) = notification.update, case .text(let text) = chunk.content else {
            Issue.record("wrong variant: \(notification.update)")
            return
        }
        #expect(text.text == "grüße 🚀")
        #expect(chunk.messageId == "m1")
    }
}
