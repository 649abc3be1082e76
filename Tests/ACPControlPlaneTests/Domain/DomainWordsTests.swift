import Foundation
import Testing
@testable import ACPControlPlane

@Suite("domain words: ACPError, SessionKey, RunID, ConversationRef, content, stop reasons")
struct DomainWordsTests {
    @Test("every error code has a message and a hint, and chat text follows the contract", arguments: ACPError.Code.allCases)
    func errorChatText(_ code: ACPError.Code) {
        let error = ACPError(code, detail: "secret detail for logs")
        #expect(!code.defaultMessage.isEmpty)
        #expect(!code.defaultHint.isEmpty)
        let lines = error.chatText.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2)
        #expect(lines[0] == "ERROR: \(code.rawValue): \(code.defaultMessage)")
        #expect(lines[1] == "next: \(code.defaultHint)")
        #expect(!error.chatText.contains("secret detail"))
    }

    @Test("the stable codes are exactly those of CONTRACT.md §5")
    func stableCodes() {
        let expected: Set<String> = [
            "ACP_BACKEND_MISSING", "ACP_BACKEND_UNAVAILABLE", "ACP_SESSION_INIT_FAILED", "ACP_TURN_FAILED",
            "ACP_TURN_TIMEOUT", "ACP_DISPATCH_DISABLED", "ACP_AGENT_NOT_ALLOWED", "ACP_SESSION_LIMIT",
            "ACP_SESSION_NOT_FOUND", "ACP_SESSION_CLOSED", "ACP_NOT_BOUND", "ACP_BINDING_CONFLICT",
            "ACP_INVALID_ARGUMENT", "ACP_PERMISSION_TIMEOUT", "ACP_PROTOCOL_ERROR", "CONFIG_INVALID",
        ]
        #expect(Set(ACPError.Code.allCases.map(\.rawValue)) == expected)
    }

    @Test("session keys: valid forms accepted, bad ones rejected with ACP_INVALID_ARGUMENT",
          arguments: [
              ("agent:demo:acp:binding:telegram:default:0123456789abcdef", true),
              ("agent:demo:acp:3f2a", true),
              ("", false), ("has space", false), ("tab\there", false), ("ünïcode", false),
              (String(repeating: "k", count: 200), true), (String(repeating: "k", count: 201), false),
          ])
    func sessionKeys(_ text: String, _ valid: Bool) {
        #expect((SessionKey(text) != nil) == valid)
        do {
            let key = try SessionKey.parse(text)
            #expect(valid && key.rawValue == text)
        } catch {
            #expect(!valid && error.code == .invalidArgument)
        }
    }

    @Test("spawned keys embed the agent id and a lowercase uuid")
    func spawnedKeys() throws {
        let key = try #require(SessionKey.spawned(agentId: "demo", uuid: "ABCDEF01-2345-6789-ABCD-EF0123456789"))
        #expect(key.rawValue == "agent:demo:acp:abcdef01-2345-6789-abcd-ef0123456789")
        #expect(key.agentId == "demo")
        #expect(SessionKey("plain-key")?.agentId == nil)
    }

    @Test("session keys and run ids round-trip through JSON; invalid ones fail to decode")
    func codableIdentifiers() throws {
        let key = try #require(SessionKey("agent:demo:acp:x"))
        let run = RunID()
        let data = try JSONEncoder().encode([key.rawValue, run.rawValue])
        let decoded = try JSONDecoder().decode([String].self, from: data)
        #expect(try JSONDecoder().decode(SessionKey.self, from: JSONEncoder().encode(key)) == key)
        #expect(try JSONDecoder().decode(RunID.self, from: JSONEncoder().encode(run)) == run)
        #expect(decoded == [key.rawValue, run.rawValue])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SessionKey.self, from: Data(#""a b""#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RunID.self, from: Data(#""not-a-uuid""#.utf8)) }
        #expect(RunID("ABCDEF01-2345-6789-ABCD-EF0123456789")?.rawValue == "abcdef01-2345-6789-abcd-ef0123456789")
    }

    @Test("new run ids are random version-4 UUIDs in lowercase, distinct, and parse back")
    func newRunIDs() throws {
        let ids = (0..<2_000).map { _ in RunID() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let text = Array(id.rawValue)
            #expect(text.count == 36 && RunID(id.rawValue) == id && id.rawValue == id.rawValue.lowercased())
            #expect(text[14] == "4", "version nibble of \(id)")
            #expect("89ab".contains(text[19]), "variant of \(id)")
        }
        // Every hex digit outside the fixed ones varies (the bytes are random, not a counter).
        for position in [0, 7, 9, 15, 20, 24, 35] {
            #expect(Set(ids.map { Array($0.rawValue)[position] }).count == 16, "position \(position)")
        }
    }

    @Test("conversation refs: canonical form and parent")
    func conversationRefs() {
        let topic = ConversationRef(channel: .telegram, conversationId: "-1001234567890:topic:42",
                                    parentConversationId: "-1001234567890")
        #expect(topic.canonical == "telegram:default:-1001234567890:topic:42")
        #expect(topic.parent?.canonical == "telegram:default:-1001234567890")
        #expect(ConversationRef(channel: .discord, accountId: "work", conversationId: "222").parent == nil)
    }

    @Test("prompt content is downgraded to what the agent accepts")
    func contentDowngrade() {
        let none = PromptCapabilities()
        let all = PromptCapabilities(image: true, audio: true, embeddedContext: true)
        let image = ContentBlock.image(base64: "AAAA", mimeType: "image/png")
        let resource = ContentBlock.embeddedText(uri: "file:///a.txt", text: "hello", mimeType: nil)
        #expect(image.downgraded(for: all) == image)
        #expect(image.downgraded(for: none).plainText?.contains("image/png") == true)
        #expect(resource.downgraded(for: none) == .text("file:///a.txt:\nhello"))
        #expect(ContentBlock.text("x").downgraded(for: none) == .text("x"))
    }

    @Test("stop reasons and permission kinds keep unknown wire values",
          arguments: ["end_turn", "max_tokens", "max_turn_requests", "refusal", "cancelled", "something_new"])
    func stopReasons(_ wire: String) {
        #expect(StopReason(wire: wire).wire == wire)
        #expect(PermissionOption.Kind(wire: wire).wire == wire)
    }

    @Test("only allow kinds allow, only reject kinds reject")
    func permissionKinds() {
        #expect(PermissionOption.Kind.allowOnce.isAllow && PermissionOption.Kind.allowAlways.isAllow)
        #expect(PermissionOption.Kind.rejectOnce.isReject && PermissionOption.Kind.rejectAlways.isReject)
        #expect(!PermissionOption.Kind.other("x").isAllow && !PermissionOption.Kind.other("x").isReject)
    }
}
