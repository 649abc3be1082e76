import Foundation
import JSONKit

/// `deleteMessage` as Telegram rules it: a message can be deleted only while it is less than
/// 48 hours old; the bot's own messages anywhere; other users' messages in a private chat; other
/// users' messages in a group or supergroup only when the bot is an administrator (with
/// `can_delete_messages`, which the fake's administrators have). Otherwise
/// "Bad Request: message can't be deleted"; an unknown message "Bad Request: message to delete not found".
extension FakeBotState {
    /// Telegram's age limit for deleting a message.
    public static let deletableFor: TimeInterval = 48 * 3600

    /// Makes user message `messageId` of `chat` look `seconds` older (to cross the 48-hour limit).
    public func backdate(chat: Int64, messageId: Int64, by seconds: TimeInterval) {
        if let posted = userMessages[chat]?[messageId] { userMessages[chat]?[messageId] = posted.addingTimeInterval(-seconds) }
    }

    /// The ids of the users' messages of `chat` still there, oldest first.
    public func userMessageIds(chat: Int64) -> [Int64] {
        (userMessages[chat] ?? [:]).keys.sorted()
    }

    /// Whether user message `messageId` of `chat` is still there (not deleted).
    public func userMessageExists(chat: Int64, messageId: Int64) -> Bool {
        userMessages[chat]?[messageId] != nil
    }

    func deleteMessage(_ p: JSONValue) -> Answer {
        guard let chat = integer(p["chat_id"]), let id = integer(p["message_id"]) else {
            return error(400, "Bad Request: message identifier is not specified")
        }
        if let index = messages[chat]?.firstIndex(where: { $0.messageId == id }) {
            // The bot's own message (the fake does not age those: they are always recent).
            messages[chat]?.remove(at: index)
            deletedMessages.append((chat, id))
            return ok(true)
        }
        guard let posted = userMessages[chat]?[id] else { return error(400, "Bad Request: message to delete not found") }
        guard Date().timeIntervalSince(posted) < Self.deletableFor else { return error(400, "Bad Request: message can't be deleted") }
        if chat < 0 {
            guard case .administrator = botMembership(chat) else { return error(400, "Bad Request: message can't be deleted") }
        }
        userMessages[chat]?[id] = nil
        deletedMessages.append((chat, id))
        return ok(true)
    }
}
