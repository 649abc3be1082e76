/// A place in chat: `(channel, accountId, conversationId, parentConversationId?)`.
///
/// The control plane treats the ids as already canonical: each channel's normaliser (in the
/// Bindings target) is the only code that builds a `ConversationRef` from platform input, so
/// every write and every lookup sees the same strings (CONTRACT.md §2).
public struct ConversationRef: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A chat channel kind. Raw values are the names used in config and in access lists.
    public struct Channel: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public static let telegram: Channel = "telegram"
        public static let discord: Channel = "discord"
        public static let http: Channel = "http"
        public static let console: Channel = "console"
        public static let known: [Channel] = [.telegram, .discord, .http, .console]
        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    public static let defaultAccount = "default"

    public let channel: Channel
    public let accountId: String
    public let conversationId: String
    /// The parent channel of a Discord thread, or the chat of a Telegram forum topic.
    public let parentConversationId: String?

    public init(channel: Channel, accountId: String = ConversationRef.defaultAccount,
                conversationId: String, parentConversationId: String? = nil) {
        self.channel = channel
        self.accountId = accountId
        self.conversationId = conversationId
        self.parentConversationId = parentConversationId
    }

    /// `channel:accountId:conversationId`: the one string under which the store keys this
    /// conversation. Channel and account never contain `:`, so the form is unambiguous.
    public var canonical: String { "\(channel.rawValue):\(accountId):\(conversationId)" }

    /// The conversation of the parent (thread → channel, topic → chat), if there is one.
    public var parent: ConversationRef? {
        parentConversationId.map { ConversationRef(channel: channel, accountId: accountId, conversationId: $0) }
    }

    public var description: String { canonical }
}
