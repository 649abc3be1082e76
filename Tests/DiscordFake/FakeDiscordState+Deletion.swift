import JSONKit

/// Who may delete which message, as Discord rules it: the bot may always delete its own messages;
/// another user's only in a guild channel or thread and only with the Manage Messages permission
/// (else 403 "Missing Permissions", code 50013); in a DM never (403 "Cannot execute action on a
/// DM channel", code 50003).
extension FakeDiscordState {
    /// Gives (or takes) the bot the Manage Messages permission in the guild.
    public func allowManageMessages(_ allowed: Bool = true) { botManagesMessages = allowed }

    /// Whether message `id` is still in `channel`.
    public func messageExists(_ id: String, in channel: String) -> Bool {
        messages[channel]?.contains { $0.id == id } == true
    }

    /// The refusal of deleting `message` in `channel`, nil when the bot may.
    func deletionRefusal(of message: FakeDiscordMessage, in channel: FakeDiscordChannel) -> FakeAnswer? {
        guard message.authorId != botUserId else { return nil }
        if channel.guildId == nil || channel.type == 1 { return error(403, 50003, "Cannot execute action on a DM channel") }
        return botManagesMessages ? nil : error(403, 50013, "Missing Permissions")
    }
}
