import ACPControlPlane
import AsyncHTTPClient
import ChatChannelConformance
import ChatCore
import ChatDiscord
import DiscordFake
import Testing

/// The Discord channel as the conformance kit sees it: its platform is the fake Discord; what the
/// platform shows is the fake's message store for the channel.
struct DiscordFakeSubject: ConformanceSubject {
    let fake: DiscordFakeServer
    let client: HTTPClient
    var conversation: ConversationRef { ConversationRef(channel: .discord, accountId: "default", conversationId: fake.state.generalChannel) }
    var threadParent: ConversationRef? { conversation }
    var directMessageUser: String? { discordUser }
    var injectableFaults: Set<FaultKind> { Set(FaultKind.allCases) }
    /// The client gives up on an answer after this (the lost-answer fault holds it longer).
    /// Long enough for a loaded machine (every case but the lost answer finishes well within it).
    static let requestTimeout: Duration = .seconds(8)

    func makeChannel() async throws -> DiscordChannel {
        discordChannel(fake, client, requestTimeout: Self.requestTimeout)
    }

    func visibleMessages(in conversation: ConversationRef) async throws -> [VisibleMessage] {
        await fake.state.messages(in: conversation.conversationId).map { message in
            VisibleMessage(id: message.id, text: message.content,
                           buttons: message.buttons.map { $0.map { ChatButton(label: $0.label, payload: $0.customId) } })
        }
    }

    func inject(_ fault: Fault) async {
        switch fault {
        case .rateLimited(let retryAfter):
            await fake.state.inject(.tooManyRequests(retryAfter: retryAfter, global: false))
        case .transient:
            await fake.state.inject(.serverError)
        case .outcomeUnknown:
            await fake.state.inject(.lostAnswer(holdFor: Self.requestTimeout + .seconds(2)))
        }
    }
}

@Suite("discord channel conformance")
struct DiscordChannelConformanceTests {
    /// Every case passes, the fault cases included; threads are public threads of the general channel.
    @Test("the Discord channel passes the conformance kit against the fake Discord", arguments: ConformanceCase.allCases)
    func conformance(_ conformanceCase: ConformanceCase) async throws {
        try await withFakeDiscord { fake, client in
            let result = await ChannelConformance().run(DiscordFakeSubject(fake: fake, client: client), conformanceCase)
            #expect(result.passed, "\(result)")
            #expect(await fake.state.unsafeMentions.isEmpty, "every message sets allowed_mentions to parse nothing")
        }
    }
}
