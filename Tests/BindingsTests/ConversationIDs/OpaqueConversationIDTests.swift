import TestSupport
import ACPControlPlane
@testable import Bindings
import Testing

@Suite struct OpaqueConversationIDTests {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@-")

    @Test func formatParseIsTheIdentityOnValidIds() throws {
        var generator = SeededGenerator(seed: 0x4777)
        for _ in 0..<1000 {
            let length = Int.random(in: 1...128, using: &generator)
            let text = String((0..<length).map { _ in Self.alphabet.randomElement(using: &generator)! })
            for channel in [ConversationRef.Channel.http, .console] {
                let ref = try ConversationIDs.parse(text, channel: channel)
                #expect(ref.channel == channel)
                #expect(ConversationIDs.format(ref) == text)
            }
        }
    }

    @Test(arguments: ["", String(repeating: "a", count: 129), "a b", "a/b", "ä", "a\nb", "a#b", "x,y"])
    func malformedIdsAreRejected(_ text: String) {
        do {
            _ = try ConversationIDs.parse(text, channel: .http)
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.message.contains("1–128 characters of A-Z a-z 0-9 . _ : @ -"))
        }
    }

    @Test func canonicalStringsRoundTrip() throws {
        for text in ["telegram:default:-1001234567890:topic:42", "telegram:main:123", "discord:default:222222222222222222",
                     "http:default:alice@example.com", "console:default:local:1"] {
            let ref = try ConversationIDs.parseCanonical(text)
            #expect(ref.canonical == text)
        }
        #expect(try ConversationIDs.parseCanonical("telegram:default:-1001234567890:topic:42").parentConversationId == "-1001234567890")
    }

    @Test(arguments: ["slack:default:C1", "telegram:*:123", "telegram:default", "discord:default:channel:1", "telegram::123"])
    func badCanonicalStringsAreRejected(_ text: String) {
        #expect(throws: ACPError.self) { try ConversationIDs.parseCanonical(text) }
    }

    @Test func unknownChannelIsRejected() {
        #expect(throws: ACPError.self) { try ConversationIDs.parse("C123", channel: "slack") }
    }
}
