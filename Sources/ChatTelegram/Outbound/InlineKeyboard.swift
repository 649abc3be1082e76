import ChatCore
import JSONKit

/// Buttons as a Telegram inline keyboard: each `ChatButton` becomes a button whose
/// `callback_data` is its payload. Telegram takes at most 64 bytes of `callback_data`; a button
/// with a longer payload is left out (the message text always carries the typed command).
enum InlineKeyboard {
    /// Telegram's limit on `callback_data`, in UTF-8 bytes.
    static let maxCallbackDataBytes = 64

    /// The `reply_markup` for `buttons`: an empty keyboard (which removes buttons on an edit)
    /// when there are none.
    static func replyMarkup(_ buttons: [[ChatButton]]) -> JSONValue {
        let rows: [JSONValue] = buttons.compactMap { row in
            let kept = row.filter { fits($0.payload) }
            guard !kept.isEmpty else { return nil }
            return .array(kept.map { JSONValue(["text": .string($0.label), "callback_data": .string($0.payload)]) })
        }
        return JSONValue(["inline_keyboard": .array(rows)])
    }

    /// Whether `payload` can be a button's `callback_data`.
    static func fits(_ payload: String) -> Bool {
        !payload.isEmpty && payload.utf8.count <= maxCallbackDataBytes
    }
}
