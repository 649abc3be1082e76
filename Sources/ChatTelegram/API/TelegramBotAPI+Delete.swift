import JSONKit

extension TelegramBotAPI {
    /// `deleteMessage`: message `messageId` of chat `chatId` (see `TelegramChannel.deleteMessage`
    /// for who may delete what).
    public func deleteMessage(chatId: Int64, messageId: Int64) async throws(TelegramAPIError) {
        _ = try await call("deleteMessage", ["chat_id": .int(chatId), "message_id": .int(messageId)], as: JSONValue.self)
    }
}
