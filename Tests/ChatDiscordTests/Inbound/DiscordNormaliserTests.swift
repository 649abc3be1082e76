import ACPControlPlane
import ChatCore
import ChatDiscord
import JSONKit
import Testing

@Suite("discord normaliser")
struct DiscordNormaliserTests {
    static let bot = "900"
    static func message(id: String = "1001", channel: String = "600", guild: String? = "700", author: String = "222",
                        bot: Bool = false, content: String = "hi", type: Int64 = 0, webhook: Bool = false) -> JSONValue {
        var object: [String: JSONValue] = ["id": .string(id), "channel_id": .string(channel), "content": .string(content), "type": .int(type),
                                           "author": ["id": .string(author), "bot": .bool(bot)]]
        if let guild { object["guild_id"] = .string(guild) }
        if webhook { object["webhook_id"] = "55" }
        return JSONValue(object)
    }

    @Test("a guild channel message is its channel's conversation; the key is the message id")
    func guildMessage() {
        let result = DiscordNormaliser.message(Self.message(), channel: DiscordChannelInfo(id: "600", type: 0, guildId: "700"),
                                               botUserId: Self.bot, accountId: "default")
        #expect(result == .message(InboundMessage(conversation: ConversationRef(channel: .discord, accountId: "default", conversationId: "600"),
                                                  senderId: "222", text: "hi", platformMessageId: "1001", idempotencyKey: "1001")))
    }

    @Test("a thread message carries its parent; a DM needs no lookup; an unknown guild channel asks for one")
    func conversations() {
        let thread = DiscordNormaliser.message(Self.message(channel: "610"), channel: DiscordChannelInfo(id: "610", type: 11, parentId: "600", guildId: "700"),
                                               botUserId: Self.bot, accountId: "work")
        guard case .message(let inThread) = thread else { Issue.record("\(thread)"); return }
        #expect(inThread.conversation == ConversationRef(channel: .discord, accountId: "work", conversationId: "610", parentConversationId: "600"))
        let direct = DiscordNormaliser.message(Self.message(channel: "620", guild: nil), channel: nil, botUserId: Self.bot, accountId: "default")
        guard case .message(let dm) = direct else { Issue.record("\(direct)"); return }
        #expect(dm.conversation.conversationId == "620" && dm.conversation.parentConversationId == nil)
        #expect(DiscordNormaliser.message(Self.message(channel: "630"), channel: nil, botUserId: Self.bot, accountId: "default") == .needsChannel("630"))
    }

    @Test("ignored: the bot's own messages, other bots, webhooks, system messages, empty text", arguments: [
        message(author: "900"), message(bot: true), message(webhook: true), message(type: 7), message(content: ""),
    ])
    func ignored(_ data: JSONValue) {
        let result = DiscordNormaliser.message(data, channel: DiscordChannelInfo(id: "600", type: 0), botUserId: Self.bot, accountId: "default")
        guard case .ignored = result else { Issue.record("\(result) should be ignored"); return }
    }

    @Test("attachments come along with the text")
    func attachments() {
        guard case .object(var object) = Self.message() else { Issue.record("not an object"); return }
        object["attachments"] = [["id": "1", "url": "https://cdn.example/a.png", "filename": "a.png", "content_type": "image/png", "size": 42]]
        let result = DiscordNormaliser.message(.object(object), channel: DiscordChannelInfo(id: "600", type: 0), botUserId: Self.bot, accountId: "default")
        guard case .message(let message) = result else { Issue.record("\(result)"); return }
        #expect(message.attachments == [InboundMessage.Attachment(reference: "https://cdn.example/a.png", fileName: "a.png", mimeType: "image/png", sizeBytes: 42)])
    }

    @Test("a reply (type 19) is a message like any other")
    func reply() {
        let result = DiscordNormaliser.message(Self.message(type: 19), channel: DiscordChannelInfo(id: "600", type: 0), botUserId: Self.bot, accountId: "default")
        guard case .message = result else { Issue.record("\(result)"); return }
    }

    @Test("a button press: payload from custom_id, key the interaction id, conversation from the interaction's channel")
    func buttonPress() {
        let data: JSONValue = ["id": "5000", "token": "tok", "type": 3, "channel_id": "610", "guild_id": "700",
                               "channel": ["id": "610", "type": 11, "parent_id": "600"],
                               "member": ["user": ["id": "222"]], "data": ["custom_id": "/acp allow 2", "component_type": 2],
                               "message": ["id": "4000"]]
        let result = DiscordNormaliser.buttonPress(data, knownChannel: nil, accountId: "default")
        let expected = InboundMessage(conversation: ConversationRef(channel: .discord, accountId: "default", conversationId: "610", parentConversationId: "600"),
                                      senderId: "222", text: "/acp allow 2", platformMessageId: "4000", idempotencyKey: "5000", buttonPayload: "/acp allow 2")
        #expect(result == .buttonPress(expected, interactionId: "5000", token: "tok"))
        // A slash command (type 2) is not a button press.
        guard case .ignored = DiscordNormaliser.buttonPress(["id": "1", "token": "t", "type": 2], knownChannel: nil, accountId: "default") else {
            Issue.record("type 2 should be ignored here")
            return
        }
    }

    @Test("frames decode from the wire payload")
    func frames() {
        #expect(GatewayFrame.decode(["op": 10, "d": ["heartbeat_interval": 41250]]) == .hello(heartbeatInterval: .milliseconds(41250)))
        #expect(GatewayFrame.decode(["op": 11]) == .heartbeatAck)
        #expect(GatewayFrame.decode(["op": 1, "d": .null]) == .heartbeatRequest)
        #expect(GatewayFrame.decode(["op": 7, "d": .null]) == .reconnect)
        #expect(GatewayFrame.decode(["op": 9, "d": true]) == .invalidSession(resumable: true))
        #expect(GatewayFrame.decode(["op": 9, "d": false]) == .invalidSession(resumable: false))
        #expect(GatewayFrame.decode(["op": 0, "s": 3, "t": "MESSAGE_CREATE", "d": ["id": "1"]]) == .dispatch(sequence: 3, name: "MESSAGE_CREATE", data: ["id": "1"]))
        #expect(GatewayFrame.decode(["t": "X"]) == nil)
        #expect(GatewayCommand.resume(sessionId: "s", sequence: 4).payload(token: "T") == ["op": 6, "d": ["token": "T", "session_id": "s", "seq": 4]])
        #expect(GatewayCommand.heartbeat(sequence: nil).payload(token: "T") == ["op": 1, "d": .null])
        // The token is the last member: a log that shows the start of a frame never shows it.
        for command in [GatewayCommand.identify(intents: .acpd), .resume(sessionId: "s", sequence: 9)] {
            let text = command.payload(token: "SECRET-TOKEN").jsonText()
            #expect(text.hasSuffix("\"token\":\"SECRET-TOKEN\"}}"), "\(text)")
        }
    }

    @Test("gateway URLs get the version and encoding", arguments: [
        ("wss://gateway.discord.gg", "wss://gateway.discord.gg/?v=10&encoding=json"),
        ("wss://gateway.discord.gg/", "wss://gateway.discord.gg/?v=10&encoding=json"),
        ("ws://127.0.0.1:80/gateway", "ws://127.0.0.1:80/gateway?v=10&encoding=json"),
        ("wss://resume.discord.gg?v=9", "wss://resume.discord.gg/?v=10&encoding=json"),
    ])
    func connectURL(url: String, expected: String) {
        #expect(GatewayBot.connectURL(url) == expected)
    }
}
