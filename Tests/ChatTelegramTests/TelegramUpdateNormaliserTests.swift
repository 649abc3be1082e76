import ACPControlPlane
import ChatCore
@testable import ChatTelegram
import Synchronization
import Testing

@Suite("telegram update normaliser")
struct TelegramUpdateNormaliserTests {
    static let human = TelegramUser(id: 111)
    static let forum = TelegramChat(id: -1001, type: "supergroup", isForum: true)
    static let group = TelegramChat(id: -2002, type: "supergroup", isForum: false)
    static let privateChat = TelegramChat(id: 111, type: "private")

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var message: TelegramMessage
        /// The expected conversation id and parent, or nil when the message is ignored.
        var expected: (id: String, parent: String?)?
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "forum topic message", message: .init(messageId: 5, from: human, chat: forum, messageThreadId: 42, isTopicMessage: true, text: "hi"),
            expected: ("-1001:topic:42", "-1001")),
        Row(name: "forum General (no thread id)", message: .init(messageId: 5, from: human, chat: forum, text: "hi"),
            expected: ("-1001:topic:1", "-1001")),
        Row(name: "forum reply in General carries a thread id but is not a topic message",
            message: .init(messageId: 5, from: human, chat: forum, messageThreadId: 77, isTopicMessage: false, text: "hi"),
            expected: ("-1001:topic:1", "-1001")),
        Row(name: "non-forum group reply thread is not a topic",
            message: .init(messageId: 5, from: human, chat: group, messageThreadId: 9, text: "hi"), expected: ("-2002", nil)),
        Row(name: "private chat", message: .init(messageId: 5, from: human, chat: privateChat, text: "hi"), expected: ("111", nil)),
        Row(name: "private chat with topics (Bot API 9.3) is the chat",
            message: .init(messageId: 5, from: human, chat: TelegramChat(id: 111, type: "private", isForum: true),
                           messageThreadId: 3, isTopicMessage: true, text: "hi"), expected: ("111", nil)),
        Row(name: "caption is the text", message: .init(messageId: 5, from: human, chat: privateChat, caption: "look"), expected: ("111", nil)),
        Row(name: "bot sender ignored", message: .init(messageId: 5, from: TelegramUser(id: 7, isBot: true), chat: forum, text: "hi"), expected: nil),
        Row(name: "anonymous admin (sender_chat) ignored",
            message: .init(messageId: 5, from: TelegramUser(id: 1_087_968_824, isBot: true), senderChat: forum, chat: forum, text: "hi"), expected: nil),
        Row(name: "no sender ignored", message: .init(messageId: 5, from: nil, chat: group, text: "hi"), expected: nil),
        Row(name: "service message (no text) ignored", message: .init(messageId: 5, from: human, chat: forum, messageThreadId: 42, isTopicMessage: true), expected: nil),
        Row(name: "channel chat ignored", message: .init(messageId: 5, from: human, chat: TelegramChat(id: -3003, type: "channel"), text: "hi"), expected: nil),
    ]

    @Test("messages normalise to CONTRACT §2 conversation ids; bots, chats and service messages are ignored", arguments: rows)
    func message(_ row: Row) {
        let result = TelegramUpdateNormaliser.normalise(TelegramUpdate(updateId: 900, message: row.message), accountId: "work")
        guard let expected = row.expected else {
            guard case .ignored = result else { Issue.record("expected ignored, got \(result)"); return }
            return
        }
        guard case .message(let message) = result else { Issue.record("expected a message, got \(result)"); return }
        #expect(message.conversation == ConversationRef(channel: .telegram, accountId: "work", conversationId: expected.id,
                                                         parentConversationId: expected.parent))
        #expect(message.senderId == "111")
        #expect(message.idempotencyKey == "900")
        #expect(message.platformMessageId == "5")
        #expect(message.buttonPayload == nil)
    }

    @Test("edited messages and channel posts are not prompts")
    func editsAndChannelPosts() {
        let message = TelegramMessage(messageId: 5, from: Self.human, chat: Self.privateChat, text: "hi")
        #expect(TelegramUpdateNormaliser.normalise(TelegramUpdate(updateId: 1, editedMessage: message), accountId: "default") == .ignored("an edited message is not a new prompt"))
        #expect(TelegramUpdateNormaliser.normalise(TelegramUpdate(updateId: 1, channelPost: message), accountId: "default") == .ignored("channel post"))
    }

    @Test("a button press becomes a message with its payload in the button's topic")
    func buttonPress() {
        let botMessage = TelegramMessage(messageId: 8, from: TelegramUser(id: 999, isBot: true), chat: Self.forum,
                                         messageThreadId: 42, isTopicMessage: true, text: "allow?")
        let query = TelegramCallbackQuery(id: "q1", from: Self.human, message: botMessage, data: "/acp allow 1")
        guard case .buttonPress(let message, let queryId) = TelegramUpdateNormaliser.normalise(TelegramUpdate(updateId: 77, callbackQuery: query), accountId: "default") else {
            Issue.record("not a button press"); return
        }
        #expect(queryId == "q1")
        #expect(message.conversation.conversationId == "-1001:topic:42")
        #expect(message.text == "/acp allow 1")
        #expect(message.buttonPayload == "/acp allow 1")
        #expect(message.idempotencyKey == "77")
    }

    @Test("a press without data or without its message is answered, not routed")
    func unusablePress() {
        let noData = TelegramCallbackQuery(id: "q2", from: Self.human, message: nil, data: nil)
        let gone = TelegramCallbackQuery(id: "q3", from: Self.human, message: nil, data: "/acp allow 1")
        for query in [noData, gone] {
            guard case .unusableButtonPress(let id, _) = TelegramUpdateNormaliser.normalise(TelegramUpdate(updateId: 1, callbackQuery: query), accountId: "default") else {
                Issue.record("expected unusable for \(query.id)"); continue
            }
            #expect(id == query.id)
        }
    }
}

@Suite("telegram poll backoff and batches")
struct TelegramPollingPartsTests {
    @Test("backoff doubles from its base, is capped, and jitters in the upper half")
    func backoff() {
        let backoff = PollBackoff(base: .seconds(1), cap: .seconds(60))
        #expect(backoff.delay(attempt: 1, fraction: 1) == .seconds(1))
        #expect(backoff.delay(attempt: 3, fraction: 1) == .seconds(4))
        #expect(backoff.delay(attempt: 3, fraction: 0) == .seconds(2))
        #expect(backoff.delay(attempt: 50, fraction: 1) == .seconds(60))
        for attempt in 1...100 {
            let delay = backoff.delay(attempt: attempt, fraction: Double(attempt % 7) / 6)
            #expect(delay >= .milliseconds(500) && delay <= .seconds(60))
        }
    }

    @Test("the offset moves past an update only when it and every earlier one were handled")
    func batchCommitsHandledPrefix() async {
        let commits = Locked<[Int64]>([])
        let batch = UpdateBatch(updateIds: [10, 11, 12]) { next in commits.mutate { $0.append(next) } }
        batch.finish(1, handled: true, outcome: .ignored)
        #expect(commits.value == [])
        batch.finish(0, handled: true, outcome: .ignored)
        #expect(commits.value == [12])
        batch.finish(2, handled: false)
        #expect(commits.value == [12])
        let slots = await batch.wait()
        #expect(slots[2] == .unhandled)
    }
}

/// A value behind a lock, for test callbacks.
final class Locked<Value: Sendable>: Sendable {
    private let stored: Mutex<Value>
    init(_ value: Value) { stored = Mutex(value) }
    var value: Value { stored.withLock { $0 } }
    func mutate(_ change: (inout Value) -> Void) { stored.withLock { change(&$0) } }
}

@Suite("telegram command addressing")
struct TelegramCommandAddressingTests {
    @Test("/cmd@ThisBot loses its suffix, /cmd@OtherBot is not for us, the rest is unchanged", arguments: [
        ("/acp@Fake_Bot status", "/acp status"),
        ("/new@fake_bot", "/new"),
        ("/acp@OtherBot status", nil),
        ("/acp status", "/acp status"),
        ("mail me@fake_bot", "mail me@fake_bot"),
        ("/acp spawn --label a@b", "/acp spawn --label a@b"),
    ] as [(String, String?)])
    func addressing(_ text: String, _ expected: String?) {
        #expect(TelegramUpdateNormaliser.addressedText(text, botUsername: "fake_bot") == expected)
    }

    @Test("a message with another bot's command is ignored")
    func otherBotIgnored() {
        let message = TelegramMessage(messageId: 1, from: TelegramUser(id: 111), chat: TelegramChat(id: -5, type: "group"), text: "/acp@OtherBot status")
        guard case .ignored = TelegramUpdateNormaliser.normalise(TelegramUpdate(updateId: 1, message: message), accountId: "default", botUsername: "fake_bot") else {
            Issue.record("not ignored"); return
        }
    }
}
