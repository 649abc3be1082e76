import ACPControlPlane
import ChatCore
@testable import ChatTelegram
import JSONKit
import TelegramFake
import Testing

/// The channel sends Markdown as entities, through the fake Bot API that checks them like Telegram.
@Suite("telegram formatting")
struct TelegramFormattingTests {
    let topic = ConversationRef(channel: .telegram, conversationId: "\(forumChat):topic:42", parentConversationId: "\(forumChat)")

    @Test("which answers count as a refused formatting")
    func refusals() {
        let refused = ["Bad Request: can't parse entities: Unsupported start tag", "Bad Request: ENTITY_BOUNDS_INVALID",
                       "Bad Request: entity beginning at byte offset 3 is invalid", "Bad Request: wrong HTTP URL specified"]
        for description in refused { #expect(TelegramAPIError.api(code: 400, description: description, retryAfter: nil).rejectsEntities) }
        let other: [TelegramAPIError] = [.api(code: 400, description: "Bad Request: message is too long", retryAfter: nil),
                                         .api(code: 400, description: "Bad Request: message thread not found", retryAfter: nil),
                                         .api(code: 500, description: "can't parse entities", retryAfter: nil),
                                         .lost("timed out")]
        for error in other { #expect(!error.rejectsEntities, "\(error)") }
    }

    @Test("a code block arrives as a pre entity with its language; bold and a link as entities")
    func codeBlockAsPre() async throws {
        try await withFakeTelegram { fake, client in
            let channel = telegramChannel(fake, client)
            _ = try await channel.send(to: topic, text: "Run **this** ([docs](https://e.com)):\n```swift\nlet x = 1\n```",
                                       buttons: [], context: OutgoingContext(kind: .reply))
            let message = try #require(await fake.state.messages(chat: forumChat, thread: 42).last)
            #expect(message.text == "Run this (docs):\nlet x = 1")
            #expect(message.entities == [
                FakeEntity(type: "bold", offset: 4, length: 4),
                FakeEntity(type: "text_link", offset: 10, length: 4, url: "https://e.com"),
                FakeEntity(type: "pre", offset: 17, length: 9, language: "swift"),
            ])
        }
    }

    @Test("entities Telegram refuses: the message goes out once more as plain Markdown, once")
    func refusedEntitiesFallBack() async throws {
        try await withFakeTelegram { fake, client in
            let channel = telegramChannel(fake, client)
            await fake.state.inject(.cantParseEntities)
            let sent = try await channel.send(to: topic, text: "**bold** move", buttons: [], context: OutgoingContext(kind: .reply))
            var message = try #require(await fake.state.messages(chat: forumChat, thread: 42).last)
            #expect(message.text == "**bold** move")
            #expect(message.entities == [])
            #expect(await fake.state.calls.filter { $0 == "sendMessage" }.count == 2)
            // The same for an edit.
            await fake.state.inject(.cantParseEntities)
            try await channel.edit(sent, text: "*now* italic", buttons: [], context: OutgoingContext(kind: .reply))
            message = try #require(await fake.state.messages(chat: forumChat, thread: 42).last)
            #expect(message.text == "*now* italic")
            #expect(await fake.state.calls.filter { $0 == "editMessageText" }.count == 2)
            // A refused message without entities is not re-sent: that is a permanent error.
            await fake.state.inject(.cantParseEntities)
            await #expect(throws: ChannelError.self) {
                try await channel.send(to: topic, text: "plain", buttons: [], context: OutgoingContext(kind: .reply))
            }
            #expect(await fake.state.calls.filter { $0 == "sendMessage" }.count == 3)
        }
    }

    @Test("an edit with the same text and entities is not modified (success); other entities on the same text are an edit")
    func notModifiedComparesEntities() async throws {
        try await withFakeTelegram { fake, client in
            let channel = telegramChannel(fake, client)
            let sent = try await channel.send(to: topic, text: "**same**", buttons: [], context: OutgoingContext(kind: .reply))
            try await channel.edit(sent, text: "**same**", buttons: [], context: OutgoingContext(kind: .reply))
            var message = try #require(await fake.state.messages(chat: forumChat, thread: 42).last)
            #expect(message.editCount == 0)
            try await channel.edit(sent, text: "*same*", buttons: [], context: OutgoingContext(kind: .reply))
            message = try #require(await fake.state.messages(chat: forumChat, thread: 42).last)
            #expect(message.text == "same")
            #expect(message.editCount == 1)
            #expect(message.entities == [FakeEntity(type: "italic", offset: 0, length: 4)])
        }
    }

    @Test("the fake refuses what Telegram refuses: entities outside the text, unknown types, misplaced fields, unescaped MarkdownV2")
    func fakeChecksFormatting() async throws {
        try await withFakeTelegram { fake, client in
            let api = TelegramBotAPI(apiRoot: fake.apiRoot, token: testToken, client: client)
            func send(_ text: String, _ extra: [String: JSONValue]) async -> TelegramAPIError? {
                var parameters: [String: JSONValue] = ["chat_id": .int(forumChat), "text": .string(text)]
                parameters.merge(extra) { $1 }
                do {
                    _ = try await api.call("sendMessage", parameters, as: JSONValue.self)
                    return nil
                } catch {
                    return error
                }
            }
            func entity(_ type: String, _ offset: Int, _ length: Int, _ more: [String: JSONValue] = [:]) -> JSONValue {
                var object: [String: JSONValue] = ["type": .string(type), "offset": JSONValue(offset), "length": JSONValue(length)]
                object.merge(more) { $1 }
                return JSONValue(object)
            }
            let refused: [(String, [String: JSONValue])] = [
                ("🙂ab", ["entities": [entity("bold", 2, 3)]]),                  // past the end in UTF-16 units
                ("🙂ab", ["entities": [entity("bold", 1, 2)]]),                  // inside the surrogate pair
                ("abc", ["entities": [entity("bold", 0, 0)]]),
                ("abc", ["entities": [entity("shiny", 0, 1)]]),
                ("abc", ["entities": [entity("bold", 0, 1, ["language": "swift"])]]),
                ("abc", ["entities": [entity("text_link", 0, 1)]]),
                ("abc", ["entities": [entity("text_link", 0, 1, ["url": "javascript:x"])]]),
                ("Done. See *this", ["parse_mode": "MarkdownV2"]),
                ("a <x> b", ["parse_mode": "HTML"]),
            ]
            for (text, extra) in refused {
                let error = await send(text, extra)
                #expect(error?.rejectsEntities == true, "\(text) \(extra): \(String(describing: error))")
            }
            #expect(await send("🙂ab", ["entities": [entity("bold", 2, 2), entity("pre", 0, 4, ["language": "swift"])]]) == nil)
            #expect(await send("Done\\. See *this*", ["parse_mode": "MarkdownV2"]) == nil)
            #expect(await send("a <b>x</b> &amp; b", ["parse_mode": "HTML"]) == nil)
        }
    }
}
