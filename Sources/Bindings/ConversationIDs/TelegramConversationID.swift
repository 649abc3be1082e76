import ACPControlPlane

/// The Telegram normaliser: the only code that turns Telegram chat fields or id strings into a
/// `ConversationRef` (CONTRACT.md §2).
///
/// Canonical ids: `<chatId>` for a private chat, a non-forum group or a channel; and
/// `<chatId>:topic:<topicId>` for a forum topic, whose parent is `<chatId>`. Forum chat ids are
/// negative; topic ids are positive; the General topic is `1`. Numbers are written in plain decimal
/// without leading zeros or `+`, so a given conversation has exactly one spelling.
public enum TelegramConversationID {
    /// The id of a forum's General topic.
    public static let generalTopic: Int64 = 1

    /// The expected forms, shown in every rejection.
    public static let expectedForm =
        "<chatId> (e.g. 123456789 or -1001234567890) or <chatId>:topic:<topicId> for a forum topic (e.g. -1001234567890:topic:42)"

    /// Parses a canonical Telegram conversation id (as written in config and chat).
    /// Throws `ACP_INVALID_ARGUMENT` with the expected form for anything else (or a bad `accountId`).
    public static func parse(_ text: String, accountId: String = ConversationRef.defaultAccount) throws(ACPError) -> ConversationRef {
        try AccountID.validate(accountId)
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let chat = canonicalInteger(parts[0]), chat != 0 else { throw invalid(text) }
            return ConversationRef(channel: .telegram, accountId: accountId, conversationId: String(chat))
        case 3 where parts[1] == "topic":
            guard let chat = canonicalInteger(parts[0]), chat != 0, let topic = canonicalInteger(parts[2]) else {
                throw invalid(text)
            }
            guard chat < 0 else {
                throw invalid(text, why: "forum topics exist only in groups, whose chat id is negative")
            }
            guard topic > 0 else { throw invalid(text, why: "a topic id is a positive integer (General is 1)") }
            return topicRef(chat: chat, topic: topic, accountId: accountId)
        default:
            throw invalid(text)
        }
    }

    /// The canonical id string of `ref` (its `conversationId`); `parse(format(r)) == r` for every
    /// ref that `parse` or `conversation(...)` produced.
    public static func format(_ ref: ConversationRef) -> String { ref.conversationId }

    /// Builds the conversation of an incoming Telegram message from its platform fields.
    ///
    /// - In a forum (`is_forum` on a group chat), a message is in topic `message_thread_id` only
    ///   when `is_topic_message` is true; every other message of the forum is in General (`1`).
    /// - Everywhere else (private chats, non-forum groups whose replies also carry a
    ///   `message_thread_id`, channels) the conversation is the chat itself.
    public static func conversation(
        chatId: Int64, chatType: String, isForum: Bool, isTopicMessage: Bool, messageThreadId: Int64?,
        accountId: String = ConversationRef.defaultAccount
    ) throws(ACPError) -> ConversationRef {
        guard chatId != 0 else { throw invalid("0", why: "a chat id is never 0") }
        let forum = isForum && chatType != "private" && chatId < 0
        guard forum else {
            return ConversationRef(channel: .telegram, accountId: accountId, conversationId: String(chatId))
        }
        var topic = generalTopic
        if isTopicMessage, let thread = messageThreadId {
            guard thread > 0 else {
                throw invalid("\(chatId):topic:\(thread)", why: "a topic id is a positive integer")
            }
            topic = thread
        }
        return topicRef(chat: chatId, topic: topic, accountId: accountId)
    }

    /// Where to send to `ref`: the chat id, and the `message_thread_id` to pass, which is nil for
    /// a chat and for the General topic (Telegram rejects an explicit thread id 1 on some calls).
    public static func sendTarget(of ref: ConversationRef) throws(ACPError) -> (chatId: Int64, messageThreadId: Int64?) {
        let parsed = try parse(ref.conversationId, accountId: ref.accountId)
        let parts = parsed.conversationId.split(separator: ":")
        guard let chat = Int64(parts[0]) else { throw invalid(ref.conversationId) }
        guard parts.count == 3, let topic = Int64(parts[2]), topic != generalTopic else { return (chat, nil) }
        return (chat, topic)
    }

    static func topicRef(chat: Int64, topic: Int64, accountId: String) -> ConversationRef {
        ConversationRef(channel: .telegram, accountId: accountId,
                        conversationId: "\(chat):topic:\(topic)", parentConversationId: String(chat))
    }

    /// A decimal Int64 in its one canonical spelling: optional `-`, no leading zeros, no `+`.
    static func canonicalInteger(_ text: Substring) -> Int64? {
        guard let value = Int64(text), String(value) == text else { return nil }
        return value
    }

    static func invalid(_ text: String, why: String? = nil) -> ACPError {
        let shown = text.count > 64 ? String(text.prefix(64)) + "…" : text
        let reason = why.map { " (\($0))" } ?? ""
        return ACPError(.invalidArgument,
                        message: "\"\(shown)\" is not a Telegram conversation id\(reason); expected \(expectedForm)",
                        hint: "write chat ids as plain integers; forum topics as <chatId>:topic:<topicId>")
    }
}
