import ChatCore

/// Deleting a message someone posted (one that carried the secret, CONTRACT.md §4).
extension DiscordChannel {
    /// `DELETE /channels/{id}/messages/{id}`. Discord lets a bot delete another user's message in
    /// a guild channel or thread only with the Manage Messages permission (else 403, code 50013),
    /// and never in a DM (403, code 50003): both are `ChannelError.permanent`.
    public func deleteMessage(_ message: MessageRef) async throws {
        try requireEnabled()
        let channel = try target(of: message.conversation)
        do {
            try await rest.deleteMessage(channel: channel, message: message.messageId)
        } catch {
            throw error.channelError
        }
    }
}
