import ChatCore
@testable import ChatTelegram
import Testing

@Suite("telegram error mapping")
struct TelegramAPIErrorTests {
    @Test("Bot API failures map to the send queue's errors", arguments: [
        (TelegramAPIError.api(code: 429, description: "Too Many Requests: retry after 7", retryAfter: 7), ChannelError.rateLimited(retryAfter: .seconds(7))),
        (.api(code: 429, description: "Too Many Requests", retryAfter: nil), .rateLimited(retryAfter: nil)),
        (.api(code: 502, description: "Bad Gateway", retryAfter: nil), .transient("Telegram answered 502: Bad Gateway")),
        (.api(code: 400, description: "Bad Request: message thread not found", retryAfter: nil),
         .permanent("Telegram answered 400: Bad Request: message thread not found")),
        (.api(code: 403, description: "Forbidden: bot was blocked by the user", retryAfter: nil),
         .permanent("Telegram answered 403: Forbidden: bot was blocked by the user")),
        (.notSent("connection refused"), .transient("Telegram could not be reached: connection refused")),
        (.lost("timed out"), .outcomeUnknown("no answer from Telegram: timed out")),
    ])
    func mapping(_ error: TelegramAPIError, _ expected: ChannelError) {
        #expect(error.channelError == expected)
    }

    @Test("only a 400 saying so is 'not modified'")
    func notModified() {
        #expect(TelegramAPIError.api(code: 400, description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same", retryAfter: nil).isNotModified)
        #expect(!TelegramAPIError.api(code: 400, description: "Bad Request: message to edit not found", retryAfter: nil).isNotModified)
        #expect(!TelegramAPIError.lost("message is not modified").isNotModified)
    }

    @Test("buttons become an inline keyboard; a payload over 64 bytes is left out; none removes the keyboard")
    func keyboard() {
        let long = String(repeating: "é", count: 33)   // 66 UTF-8 bytes
        let markup = InlineKeyboard.replyMarkup([[ChatButton(label: "Allow", payload: "/acp allow 1"), ChatButton(label: "Long", payload: long)],
                                                 [ChatButton(label: "Only long", payload: long)]])
        #expect(markup.jsonText(options: [.sortedKeys, .withoutEscapingSlashes]) == #"{"inline_keyboard":[[{"callback_data":"/acp allow 1","text":"Allow"}]]}"#)
        #expect(InlineKeyboard.replyMarkup([]).jsonText() == #"{"inline_keyboard":[]}"#)
    }
}
