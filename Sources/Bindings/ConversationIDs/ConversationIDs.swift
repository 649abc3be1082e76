import ACPControlPlane

/// The per-channel normalisers behind one entry point: every write and every lookup of a
/// conversation id goes through here (or the channel's own normaliser), so all of acpd sees one
/// spelling per conversation.
public enum ConversationIDs {
    /// The expected form of a conversation id on `channel`, for error messages and docs.
    public static func expectedForm(for channel: ConversationRef.Channel) -> String {
        switch channel {
        case .telegram: TelegramConversationID.expectedForm
        case .discord: DiscordConversationID.expectedForm
        default: OpaqueConversationID.expectedForm
        }
    }

    /// Parses the conversation id `text` of `channel` (as written in config or chat) in account
    /// `accountId`. Throws `ACP_INVALID_ARGUMENT` naming the expected form, also for an unknown
    /// channel or an account id that is not one (`AccountID`).
    public static func parse(_ text: String, channel: ConversationRef.Channel,
                             accountId: String = ConversationRef.defaultAccount) throws(ACPError) -> ConversationRef {
        switch channel {
        case .telegram: try TelegramConversationID.parse(text, accountId: accountId)
        case .discord: try DiscordConversationID.parse(text, accountId: accountId)
        case .http, .console: try OpaqueConversationID.parse(text, channel: channel, accountId: accountId)
        default: throw unknownChannel(channel.rawValue)
        }
    }

    /// The canonical id string of `ref`; for every id `parse` accepts, `format(parse(x)) == x`.
    public static func format(_ ref: ConversationRef) -> String { ref.conversationId }

    /// Parses the full canonical form `<channel>:<accountId>:<conversationId>`
    /// (`ConversationRef.canonical`, e.g. `telegram:default:-1001234567890:topic:42`).
    public static func parseCanonical(_ text: String) throws(ACPError) -> ConversationRef {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw ACPError(.invalidArgument,
                           message: "\"\(text.prefix(64))\" is not a conversation; expected <channel>:<accountId>:<conversationId> (e.g. telegram:default:-1001234567890:topic:42)")
        }
        let channel = ConversationRef.Channel(String(parts[0]))
        guard ConversationRef.Channel.known.contains(channel) else { throw unknownChannel(channel.rawValue) }
        let account = try AccountID.validate(String(parts[1]))
        return try parse(String(parts[2]), channel: channel, accountId: account)
    }

    /// Parses a channel name used in config or access lists.
    public static func channel(_ text: String) throws(ACPError) -> ConversationRef.Channel {
        let channel = ConversationRef.Channel(text)
        guard ConversationRef.Channel.known.contains(channel) else { throw unknownChannel(text) }
        return channel
    }

    static func unknownChannel(_ name: String) -> ACPError {
        ACPError(.invalidArgument, message: "unknown channel \"\(name.prefix(32))\"; expected one of \(knownChannelList)")
    }

    static var knownChannelList: String { ConversationRef.Channel.known.map(\.rawValue).joined(separator: " | ") }
}
