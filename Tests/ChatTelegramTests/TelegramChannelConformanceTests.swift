import ACPControlPlane
import Bindings
import AsyncHTTPClient
import ChatChannelConformance
import ChatCore
import ChatTelegram
import Testing
import TelegramFake

/// The Telegram channel as the conformance kit sees it: its platform is the fake Bot API; what
/// the platform shows is the fake's message store for the topic.
struct TelegramFakeSubject: ConformanceSubject {
    let fake: TelegramFakeServer
    let client: HTTPClient
    let conversation = ConversationRef(channel: .telegram, accountId: "default",
                                       conversationId: "\(forumChat):topic:42", parentConversationId: "\(forumChat)")
    var threadParent: ConversationRef? { ConversationRef(channel: .telegram, accountId: "default", conversationId: "\(forumChat)") }
    var directMessageUser: String? { "4242" }
    var injectableFaults: Set<FaultKind> { Set(FaultKind.allCases) }
    /// The client gives up on an answer after this (the lost-answer fault holds it longer). Not
    /// shorter: in the full test run the fake shares a busy machine with every other suite.
    static let requestTimeout: Duration = .seconds(4)

    func makeChannel() async throws -> TelegramChannel {
        // The direct-message user started the bot once: Telegram lets a bot write only to users who did.
        await fake.state.addChat(4242)
        return telegramChannel(fake, client, requestTimeout: Self.requestTimeout)
    }

    func visibleMessages(in conversation: ConversationRef) async throws -> [VisibleMessage] {
        let target = try TelegramConversationID.sendTarget(of: conversation)
        return await fake.state.messages(chat: target.chatId, thread: target.messageThreadId).map { message in
            VisibleMessage(id: String(message.messageId), text: message.text,
                           buttons: message.buttons.map { $0.map { ChatButton(label: $0.text, payload: $0.callbackData) } })
        }
    }

    func inject(_ fault: Fault) async {
        switch fault {
        case .rateLimited(let retryAfter):
            // Telegram counts whole seconds: round up.
            let (seconds, atto) = retryAfter.components
            await fake.state.inject(.tooManyRequests(retryAfter: Int(seconds) + (atto > 0 ? 1 : 0)))
        case .transient:
            await fake.state.inject(.serverError)
        case .outcomeUnknown:
            await fake.state.inject(.lostAnswer(holdFor: Self.requestTimeout + .seconds(2)))
        }
    }
}

@Suite("telegram channel conformance")
struct TelegramChannelConformanceTests {
    /// Every case passes, the fault cases included; threads are forum topics of `forumChat`.
    @Test("the Telegram channel passes the conformance kit against the fake Bot API", arguments: ConformanceCase.allCases)
    func conformance(_ conformanceCase: ConformanceCase) async throws {
        try await withFakeTelegram { fake, client in
            let result = await ChannelConformance().run(TelegramFakeSubject(fake: fake, client: client), conformanceCase)
            #expect(result.passed, "\(result)")
        }
    }
}
