import TestSupport
import ACPControlPlane
@testable import Bindings
import Testing

@Suite struct DiscordConversationIDTests {
    struct Channel: Sendable, CustomTestStringConvertible {
        var name: String
        var id: String
        var type: Int
        var parent: String?
        var guild: String?
        var expectedParent: String?
        var testDescription: String { name }
    }

    static let platformCases: [Channel] = [
        Channel(name: "guild text channel", id: "222222222222222222", type: 0, parent: "333333333333333333",
                guild: "444444444444444444", expectedParent: nil),
        Channel(name: "announcement channel", id: "222222222222222223", type: 5, guild: "444444444444444444"),
        Channel(name: "public thread", id: "555555555555555555", type: 11, parent: "222222222222222222",
                guild: "444444444444444444", expectedParent: "222222222222222222"),
        Channel(name: "private thread", id: "555555555555555556", type: 12, parent: "222222222222222222",
                guild: "444444444444444444", expectedParent: "222222222222222222"),
        Channel(name: "announcement thread", id: "555555555555555557", type: 10, parent: "222222222222222223",
                guild: "444444444444444444", expectedParent: "222222222222222223"),
        Channel(name: "DM", id: "666666666666666666", type: 1),
        Channel(name: "group DM", id: "666666666666666667", type: 3),
    ]

    @Test(arguments: platformCases)
    func fromChannelFields(_ channel: Channel) throws {
        let ref = try DiscordConversationID.conversation(channelId: channel.id, channelType: channel.type,
                                                         parentId: channel.parent, guildId: channel.guild)
        #expect(ref.channel == .discord)
        #expect(ref.conversationId == channel.id)
        #expect(ref.parentConversationId == channel.expectedParent)
        #expect(try DiscordConversationID.parse(ref.conversationId).conversationId == channel.id)
    }

    @Test func threadWithoutParentIsRejected() {
        #expect(throws: ACPError.self) {
            try DiscordConversationID.conversation(channelId: "555555555555555555", channelType: 11, parentId: nil, guildId: "1")
        }
    }

    @Test(arguments: [
        ("channel:222222222222222222", "use the bare snowflake 222222222222222222"),
        ("<#222222222222222222>", "use the bare snowflake 222222222222222222"),
        ("discord:222222222222222222", "use the bare snowflake 222222222222222222"),
        ("", ""), ("0", ""), ("0222", ""), ("-222", ""), ("22a2", ""), ("18446744073709551616", ""),
        ("123456789012345678901", ""), (" 222", ""), ("222 ", ""),
    ])
    func malformedIdsAreRejected(_ text: String, _ extra: String) {
        do {
            let ref = try DiscordConversationID.parse(text)
            Issue.record("accepted \(text.debugDescription) as \(ref)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("digits only, e.g. 222222222222222222"))
            if !extra.isEmpty { #expect(error.message.contains(extra)) }
        }
    }

    @Test func formatParseIsTheIdentityOnValidIds() throws {
        var generator = SeededGenerator(seed: 0xD15C)
        for _ in 0..<2000 {
            let text = String(UInt64.random(in: 1...UInt64.max, using: &generator))
            #expect(DiscordConversationID.format(try DiscordConversationID.parse(text)) == text)
            #expect(ConversationIDs.format(try ConversationIDs.parse(text, channel: .discord)) == text)
        }
        #expect(try DiscordConversationID.parse("18446744073709551615").conversationId == "18446744073709551615")
    }
}
