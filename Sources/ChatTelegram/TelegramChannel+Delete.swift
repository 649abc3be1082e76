import ChatCore

/// Deleting a message someone posted (one that carried the secret, CONTRACT.md §4).
extension TelegramChannel {
    /// `deleteMessage`. Telegram lets a bot delete a message less than 48 hours old: its own
    /// anywhere, others' in a private chat, and others' in a group only as an administrator with
    /// `can_delete_messages`; otherwise "message can't be deleted" (`ChannelError.permanent`).
    /// Not paced: deleting sends nothing into the chat.
    public func deleteMessage(_ message: MessageRef) async throws {
        let (chat, _) = try target(of: message.conversation)
        guard let id = Int64(message.messageId) else { throw ChannelError.permanent("\(message.messageId) is not a Telegram message id") }
        do {
            try await api.deleteMessage(chatId: chat, messageId: id)
        } catch {
            switch error {
            case .api(429, _, let retryAfter): throw ChannelError.rateLimited(retryAfter: retryAfter.map { .seconds($0) })
            case .api(let code, let description, _) where code < 500: throw ChannelError.permanent("Telegram answered \(code): \(description)")
            case .api(let code, let description, _): throw ChannelError.transient("Telegram answered \(code): \(description)")
            case .notSent(let reason): throw ChannelError.transient("Telegram could not be reached: \(reason)")
            case .lost(let reason): throw ChannelError.outcomeUnknown("no answer from Telegram: \(reason)")
            case .cancelled: throw ChannelError.transient("cancelled")
            }
        }
    }
}
