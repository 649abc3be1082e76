import TestSupport
import ACPControlPlane
@testable import Bindings
import Testing

@Suite struct TelegramConversationIDTests {
    struct Fields: Sendable, CustomTestStringConvertible {
        var name: String
        var chatId: Int64
        var chatType: String
        var isForum = false
        var isTopicMessage = false
        var thread: Int64?
        var expected: String
        var parent: String?
        var testDescription: String { name }
    }

    static let platformCases: [Fields] = [
        Fields(name: "forum topic message", chatId: -1001234567890, chatType: "supergroup", isForum: true,
               isTopicMessage: true, thread: 42, expected: "-1001234567890:topic:42", parent: "-1001234567890"),
        Fields(name: "forum message without thread id is General", chatId: -1001234567890, chatType: "supergroup",
               isForum: true, expected: "-1001234567890:topic:1", parent: "-1001234567890"),
        Fields(name: "forum reply in General (thread id but not a topic message)", chatId: -1001234567890,
               chatType: "supergroup", isForum: true, thread: 77, expected: "-1001234567890:topic:1", parent: "-1001234567890"),
        Fields(name: "non-forum group reply thread is the chat", chatId: -1009876543210, chatType: "supergroup",
               thread: 55, expected: "-1009876543210"),
        Fields(name: "non-forum group with stray topic flag is the chat", chatId: -4001, chatType: "group",
               isTopicMessage: true, thread: 3, expected: "-4001"),
        Fields(name: "private chat (DM)", chatId: 111222333, chatType: "private", expected: "111222333"),
        Fields(name: "private chat with thread id", chatId: 111222333, chatType: "private", isForum: true,
               isTopicMessage: true, thread: 9, expected: "111222333"),
        Fields(name: "channel post", chatId: -1001112223334, chatType: "channel", expected: "-1001112223334"),
    ]

    @Test(arguments: platformCases)
    func fromPlatformFields(_ fields: Fields) throws {
        let ref = try TelegramConversationID.conversation(
            chatId: fields.chatId, chatType: fields.chatType, isForum: fields.isForum,
            isTopicMessage: fields.isTopicMessage, messageThreadId: fields.thread, accountId: "main")
        #expect(ref.channel == .telegram)
        #expect(ref.accountId == "main")
        #expect(ref.conversationId == fields.expected)
        #expect(ref.parentConversationId == fields.parent)
        // What the normaliser builds from platform fields parses back to itself.
        #expect(try TelegramConversationID.parse(ref.conversationId, accountId: "main") == ref)
    }

    @Test func zeroChatIsRejected() {
        #expect(throws: ACPError.self) {
            try TelegramConversationID.conversation(chatId: 0, chatType: "private", isForum: false,
                                                    isTopicMessage: false, messageThreadId: nil)
        }
    }

    @Test(arguments: [
        "", "abc", "0", "-0", "+123", "0123", "-0123", "12.5", " 123", "123 ", "-100123:topic:", "-100123:topic:0",
        "-100123:topic:-4", "-100123:topic:04", "123:topic:4", "-100123:Topic:4", "-100123:thread:4", "-100123:topic:4:5",
        "telegram:-100123", "99999999999999999999", "-100123::4", ":topic:4",
    ])
    func malformedIdsAreRejectedWithTheExpectedForm(_ text: String) {
        do {
            let ref = try TelegramConversationID.parse(text)
            Issue.record("accepted \(text.debugDescription) as \(ref)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("-1001234567890:topic:42"), "message lacks the expected form: \(error.message)")
        }
    }

    @Test func formatParseIsTheIdentityOnValidIds() throws {
        var generator = SeededGenerator(seed: 0x7E1E)
        for _ in 0..<2000 {
            let chat = Int64.random(in: 1...Int64.max, using: &generator)
            let samples = [
                String(chat), "-\(chat)",
                "-\(chat):topic:\(Int64.random(in: 1...Int64.max, using: &generator))",
                "-\(chat):topic:\(Int64.random(in: 1...1000, using: &generator))",
            ]
            for text in samples {
                let ref = try TelegramConversationID.parse(text)
                #expect(TelegramConversationID.format(ref) == text)
                #expect(ConversationIDs.format(try ConversationIDs.parse(text, channel: .telegram)) == text)
                if text.contains(":topic:") { #expect(ref.parentConversationId == "-\(chat)") }
            }
        }
    }

    @Test func sendTargetOmitsTheGeneralTopic() throws {
        #expect(try TelegramConversationID.sendTarget(of: TelegramConversationID.parse("-100123:topic:1")) == (-100123, nil))
        #expect(try TelegramConversationID.sendTarget(of: TelegramConversationID.parse("-100123:topic:42")) == (-100123, 42))
        #expect(try TelegramConversationID.sendTarget(of: TelegramConversationID.parse("5551234")) == (5551234, nil))
    }
}
