import ChatCore
import JSONKit

/// Buttons as Discord message components: each row an action row (type 1) of secondary buttons
/// (type 2, style 2) whose `custom_id` is the button's payload. Discord allows 5 rows of 5 buttons,
/// labels up to 80 characters and custom ids up to 100; a button whose payload does not fit is
/// left out (the message text always carries the typed command), extra rows and buttons too.
enum MessageComponents {
    static let maxRows = 5
    static let maxButtonsPerRow = 5
    static let maxLabel = 80
    static let maxCustomId = 100

    /// The `components` of a message with `buttons`: an empty array (which removes buttons on an
    /// edit) when there are none.
    static func rows(_ buttons: [[ChatButton]]) -> JSONValue {
        let rows: [JSONValue] = buttons.compactMap { row in
            let kept = row.filter { !$0.payload.isEmpty && $0.payload.count <= maxCustomId }.prefix(maxButtonsPerRow)
            guard !kept.isEmpty else { return nil }
            return ["type": 1, "components": .array(kept.map { button in
                let label = button.label.isEmpty ? button.payload : button.label
                return ["type": 2, "style": 2, "label": .string(String(label.prefix(maxLabel))), "custom_id": .string(button.payload)]
            })]
        }
        return .array(Array(rows.prefix(maxRows)))
    }
}
