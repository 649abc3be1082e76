import ACPControlPlane
import Bindings
import ChatCore
import JSONKit

/// What one gateway dispatch means to acpd.
public enum NormalisedDispatch: Sendable, Equatable {
    /// A message to hand to the router.
    case message(InboundMessage)
    /// A button press to hand to the router; the interaction is acknowledged at once.
    case buttonPress(InboundMessage, interactionId: String, token: String)
    /// An application (slash) command, as the text command it stands for; acknowledged at once
    /// (deferred), answered by editing the original response.
    case command(InboundMessage, interactionId: String, token: String)
    /// A message in a channel acpd does not know yet: look the channel up, then normalise again.
    case needsChannel(String)
    /// Nothing for acpd; why.
    case ignored(String)
}

/// Turns gateway dispatches into `InboundMessage`s (pure functions of the payload, the known
/// channel and the bot's own user id).
///
/// - Conversation ids come from `DiscordConversationID.conversation` (CONTRACT.md §2): a thread is
///   its own conversation whose parent is its channel; a guild channel and a DM are themselves.
/// - Ignored: the bot's own messages, other bots' and webhooks' messages, system messages (types
///   other than 0 default and 19 reply), messages without text. Attachments of a message with
///   text come along (their CDN URLs).
/// - The idempotency key is the message or interaction id (snowflakes are unique; the router
///   scopes them to `discord:<account>`): a RESUME replay starts nothing twice.
public enum DiscordNormaliser {
    /// Normalises MESSAGE_CREATE `data`; `channel` is what is known of its channel (nil: unknown).
    public static func message(_ data: JSONValue, channel: DiscordChannelInfo?, botUserId: String?, accountId: String) -> NormalisedDispatch {
        guard let id = data["id"]?.stringValue, let channelId = data["channel_id"]?.stringValue else { return .ignored("no id") }
        guard let author = data["author"], let senderId = author["id"]?.stringValue else { return .ignored("no author") }
        if senderId == botUserId { return .ignored("the bot's own message") }
        if case .bool(true)? = author["bot"] { return .ignored("sent by a bot") }
        if data["webhook_id"]?.stringValue != nil { return .ignored("sent by a webhook") }
        if case .int(let type)? = data["type"], type != 0, type != 19 { return .ignored("system message") }
        guard let text = data["content"]?.stringValue, !text.isEmpty else { return .ignored("no text (is the Message Content intent on?)") }
        let guildId = data["guild_id"]?.stringValue
        let info: DiscordChannelInfo
        if let channel {
            info = channel
        } else if guildId == nil {
            info = DiscordChannelInfo(id: channelId, type: 1)
        } else {
            return .needsChannel(channelId)
        }
        guard let conversation = conversation(of: info, accountId: accountId) else { return .ignored("channel id outside the Discord forms") }
        return .message(InboundMessage(conversation: conversation, senderId: senderId, text: text, attachments: attachments(of: data),
                                       platformMessageId: id, idempotencyKey: id))
    }

    /// The message's `attachments` (url, filename, content type, size).
    static func attachments(of data: JSONValue) -> [InboundMessage.Attachment] {
        guard case .array(let list)? = data["attachments"] else { return [] }
        return list.compactMap { item in
            guard let url = item["url"]?.stringValue else { return nil }
            let size: Int? = if case .int(let value)? = item["size"] { Int(value) } else { nil }
            return InboundMessage.Attachment(reference: url, fileName: item["filename"]?.stringValue,
                                             mimeType: item["content_type"]?.stringValue, sizeBytes: size)
        }
    }

    /// Normalises INTERACTION_CREATE `data` for a button press (type 3, component type 2); other
    /// interactions are `ignored` here. The interaction carries its channel, so no lookup is needed.
    public static func buttonPress(_ data: JSONValue, knownChannel: DiscordChannelInfo?, accountId: String) -> NormalisedDispatch {
        guard let id = data["id"]?.stringValue, let token = data["token"]?.stringValue else { return .ignored("no interaction id") }
        guard case .int(3)? = data["type"] else { return .ignored("not a component interaction") }
        guard let payload = data["data"]?["custom_id"]?.stringValue, !payload.isEmpty else { return .ignored("no custom_id") }
        guard let (senderId, conversation) = origin(of: data, knownChannel: knownChannel, accountId: accountId) else { return .ignored("no user or channel") }
        let message = InboundMessage(conversation: conversation, senderId: senderId, text: payload,
                                     platformMessageId: data["message"]?["id"]?.stringValue, idempotencyKey: id, buttonPayload: payload)
        return .buttonPress(message, interactionId: id, token: token)
    }

    /// Normalises INTERACTION_CREATE `data` for an application command (type 2) acpd registered:
    /// the text it stands for (`ApplicationCommands.text`), keyed by the interaction id.
    public static func command(_ data: JSONValue, knownChannel: DiscordChannelInfo?, accountId: String) -> NormalisedDispatch {
        guard let id = data["id"]?.stringValue, let token = data["token"]?.stringValue else { return .ignored("no interaction id") }
        guard case .int(2)? = data["type"] else { return .ignored("not an application command") }
        guard let text = data["data"].flatMap(ApplicationCommands.text(of:)) else { return .ignored("a command acpd does not have") }
        guard let (senderId, conversation) = origin(of: data, knownChannel: knownChannel, accountId: accountId) else { return .ignored("no user or channel") }
        // The reply is shown as the interaction's response (edited in), not posted again.
        var message = InboundMessage(conversation: conversation, senderId: senderId, text: text, idempotencyKey: id)
        message.repliesInline = true
        return .command(message, interactionId: id, token: token)
    }

    /// Who interacted, and in which conversation (the interaction carries its channel).
    static func origin(of data: JSONValue, knownChannel: DiscordChannelInfo?, accountId: String) -> (String, ConversationRef)? {
        guard let user = data["member"]?["user"] ?? data["user"], let senderId = user["id"]?.stringValue else { return nil }
        let info = data["channel"].flatMap { DiscordChannelInfo(json: $0, guildId: data["guild_id"]?.stringValue) } ?? knownChannel
            ?? data["channel_id"]?.stringValue.map { DiscordChannelInfo(id: $0, type: data["guild_id"] == nil ? 1 : 0) }
        guard let info, let conversation = conversation(of: info, accountId: accountId) else { return nil }
        return (senderId, conversation)
    }

    /// The conversation of a channel: a thread with its parent, else the channel itself.
    public static func conversation(of channel: DiscordChannelInfo, accountId: String) -> ConversationRef? {
        try? DiscordConversationID.conversation(channelId: channel.id, channelType: channel.type, parentId: channel.parentId,
                                                guildId: channel.guildId, accountId: accountId)
    }
}
