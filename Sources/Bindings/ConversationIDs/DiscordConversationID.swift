import ACPControlPlane

/// The Discord normaliser: the only code that turns Discord channel fields or id strings into a
/// `ConversationRef` (CONTRACT.md §2).
///
/// Every Discord conversation id is a bare snowflake (decimal digits, no leading zero, at most
/// 2^64-1): a guild channel, a DM channel, or a thread, whose parent is the channel it belongs to.
/// Prefixed forms (`channel:123`, `<#123>`, `discord:123`) are rejected, never guessed at.
public enum DiscordConversationID {
    /// The expected form, shown in every rejection.
    public static let expectedForm = "a bare channel, thread or DM snowflake (digits only, e.g. 222222222222222222)"

    /// Discord channel types that are threads (announcement, public and private threads).
    public static let threadChannelTypes: Set<Int> = [10, 11, 12]
    /// Discord channel types that are direct messages (DM, group DM).
    public static let directChannelTypes: Set<Int> = [1, 3]

    /// Parses a canonical Discord conversation id (as written in config and chat). A thread's
    /// parent cannot be known from its id alone, so the result has no parent.
    /// Throws `ACP_INVALID_ARGUMENT` with the expected form for anything else (or a bad `accountId`).
    public static func parse(_ text: String, accountId: String = ConversationRef.defaultAccount) throws(ACPError) -> ConversationRef {
        try AccountID.validate(accountId)
        return ConversationRef(channel: .discord, accountId: accountId, conversationId: try snowflake(text))
    }

    /// The canonical id string of `ref` (its `conversationId`).
    public static func format(_ ref: ConversationRef) -> String { ref.conversationId }

    /// Builds the conversation of an incoming Discord message from its channel's fields: a thread
    /// (types 10, 11, 12) is its own conversation with the parent channel as parent; a guild
    /// channel or a DM is the channel itself.
    public static func conversation(
        channelId: String, channelType: Int, parentId: String?, guildId: String?,
        accountId: String = ConversationRef.defaultAccount
    ) throws(ACPError) -> ConversationRef {
        let channel = try snowflake(channelId)
        guard threadChannelTypes.contains(channelType) else {
            return ConversationRef(channel: .discord, accountId: accountId, conversationId: channel)
        }
        guard let parentId else {
            throw ACPError(.invalidArgument, message: "Discord thread \(channel) has no parent channel",
                           hint: "a thread's parent_id is required to route it")
        }
        return ConversationRef(channel: .discord, accountId: accountId, conversationId: channel,
                               parentConversationId: try snowflake(parentId))
    }

    /// Returns `text` when it is a snowflake in canonical form, else throws with the expected form.
    public static func snowflake(_ text: String) throws(ACPError) -> String {
        guard isSnowflake(text) else {
            var why = ""
            if let digits = strippedPrefix(text), isSnowflake(digits) { why = " (use the bare snowflake \(digits))" }
            let shown = text.count > 64 ? String(text.prefix(64)) + "…" : text
            throw ACPError(.invalidArgument,
                           message: "\"\(shown)\" is not a Discord conversation id\(why); expected \(expectedForm)",
                           hint: "copy the id with Discord's developer mode: right click → Copy Channel ID")
        }
        return text
    }

    static func isSnowflake(_ text: String) -> Bool {
        guard (1...20).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              text.utf8.first != 0x30, UInt64(text) != nil else { return false }
        return true
    }

    /// The digits of common non-canonical spellings, to name them in the error.
    private static func strippedPrefix(_ text: String) -> String? {
        for prefix in ["channel:", "discord:", "thread:", "user:"] where text.hasPrefix(prefix) {
            return String(text.dropFirst(prefix.count))
        }
        if text.hasPrefix("<#"), text.hasSuffix(">") { return String(text.dropFirst(2).dropLast()) }
        return nil
    }
}
