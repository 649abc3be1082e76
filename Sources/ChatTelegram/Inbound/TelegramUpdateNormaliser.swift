import ACPControlPlane
import Bindings
import ChatCore

/// What one Telegram update means to acpd.
public enum NormalisedUpdate: Sendable, Equatable {
    /// A message to hand to the router.
    case message(InboundMessage)
    /// A button press to hand to the router; the query is answered once it was handled.
    case buttonPress(InboundMessage, callbackQueryId: String)
    /// A button press acpd cannot act on (no payload, or its message is gone): answered with
    /// `notice`, nothing else.
    case unusableButtonPress(callbackQueryId: String, notice: String)
    /// Nothing for acpd (a bot's message, a channel post, a service message, an edit); why.
    case ignored(String)
}

/// Turns Bot API updates into `InboundMessage`s (a pure function of the update and the account).
///
/// - Conversation ids come from `TelegramConversationID.conversation` (CONTRACT.md §2): in a
///   forum, a topic only when `is_topic_message`, else General (`…:topic:1`).
/// - Attachments: a photo (its largest size within the 20 MB download limit), document, voice
///   note, audio or video becomes an `InboundMessage.Attachment` (file id, kind, name, type,
///   size); the caption is the text, and a file without caption is a message with empty text.
///   The channel gives each attachment its source (`TelegramFileSource`); nothing is fetched here.
/// - Ignored: messages from bots (also the anonymous-admin bot), messages sent on behalf of a chat,
///   channel posts, service messages (no text, caption or file), edited messages (an edit is not a
///   new prompt).
/// - The idempotency key is the `update_id` (the router scopes it to `telegram:<account>`): a
///   redelivered update has the same key, so it starts nothing twice.
public enum TelegramUpdateNormaliser {
    /// The update types acpd asks `getUpdates` for.
    public static let allowedUpdates = ["message", "callback_query"]

    /// What `update` means for account `accountId`, whose bot is `@botUsername` (from `getMe`;
    /// nil while unknown: commands are then taken as they are).
    public static func normalise(_ update: TelegramUpdate, accountId: String, botUsername: String? = nil) -> NormalisedUpdate {
        let key = idempotencyKey(update.updateId)
        if let message = update.message {
            return normalise(message, key: key, accountId: accountId, botUsername: botUsername)
        }
        if let query = update.callbackQuery {
            return normalise(query, key: key, accountId: accountId)
        }
        if update.editedMessage != nil { return .ignored("an edited message is not a new prompt") }
        if update.channelPost != nil || update.editedChannelPost != nil { return .ignored("channel post") }
        return .ignored("update type acpd does not use")
    }

    /// The router's idempotency key of update `updateId` (scoped to `telegram:<account>` by the router).
    public static func idempotencyKey(_ updateId: Int64) -> String { String(updateId) }

    /// A command addressed as `/cmd@SomeBot` (clients add the bot's name in groups): for this bot,
    /// the text without `@SomeBot`; for another bot, nil; anything else unchanged. Bot usernames
    /// compare case-insensitively, as Telegram's do.
    public static func addressedText(_ text: String, botUsername: String?) -> String? {
        guard text.hasPrefix("/"), let botUsername else { return text }
        let commandEnd = text.firstIndex(where: \.isWhitespace) ?? text.endIndex
        let command = text[..<commandEnd]
        guard let at = command.firstIndex(of: "@") else { return text }
        guard command[command.index(after: at)...].lowercased() == botUsername.lowercased() else { return nil }
        return String(command[..<at]) + text[commandEnd...]
    }

    static func normalise(_ message: TelegramMessage, key: String, accountId: String, botUsername: String?) -> NormalisedUpdate {
        guard message.chat.type != "channel" else { return .ignored("channel post") }
        guard let sender = message.from, message.senderChat == nil else { return .ignored("sent on behalf of a chat") }
        guard !sender.isBot else { return .ignored("sent by a bot") }
        let attachments = attachments(of: message)
        let raw = message.text ?? message.caption ?? ""
        guard !raw.isEmpty || !attachments.isEmpty else { return .ignored("service message or no text") }
        guard let text = addressedText(raw, botUsername: botUsername) else { return .ignored("a command for another bot") }
        guard let conversation = conversation(of: message, accountId: accountId) else { return .ignored("chat id outside the Telegram forms") }
        return .message(InboundMessage(conversation: conversation, senderId: String(sender.id), text: text, attachments: attachments,
                                       platformMessageId: String(message.messageId), idempotencyKey: key))
    }

    /// The files of `message` as attachments (Telegram puts at most one file in a message).
    static func attachments(of message: TelegramMessage) -> [InboundMessage.Attachment] {
        func attachment(_ file: TelegramFile, _ kind: InboundMessage.Attachment.Kind, name: String?, mime: String?) -> InboundMessage.Attachment {
            InboundMessage.Attachment(reference: file.fileId, kind: kind, fileName: file.fileName ?? name, mimeType: file.mimeType ?? mime,
                                      sizeBytes: file.fileSize.map(Int.init))
        }
        if let sizes = message.photo, let best = largestPhoto(sizes) {
            return [attachment(best, .photo, name: "photo.jpg", mime: "image/jpeg")]
        }
        if let document = message.document { return [attachment(document, .document, name: "file", mime: nil)] }
        if let voice = message.voice { return [attachment(voice, .voice, name: "voice.ogg", mime: "audio/ogg")] }
        if let audio = message.audio { return [attachment(audio, .audio, name: "audio", mime: nil)] }
        if let video = message.video { return [attachment(video, .video, name: "video.mp4", mime: "video/mp4")] }
        return []
    }

    /// The largest photo size (by pixels, then bytes) within the download limit (an unknown size
    /// counts as within); when none is, the smallest, whose fetch then says it is too big.
    static func largestPhoto(_ sizes: [TelegramFile]) -> TelegramFile? {
        let bySize = sizes.sorted { (($0.width ?? 0) * ($0.height ?? 0), $0.fileSize ?? 0) < (($1.width ?? 0) * ($1.height ?? 0), $1.fileSize ?? 0) }
        return bySize.last { ($0.fileSize ?? 0) <= Int64(TelegramFileSource.maxDownloadBytes) } ?? bySize.first
    }

    static func normalise(_ query: TelegramCallbackQuery, key: String, accountId: String) -> NormalisedUpdate {
        guard !query.from.isBot else { return .unusableButtonPress(callbackQueryId: query.id, notice: "Bots cannot press buttons here.") }
        guard let data = query.data, !data.isEmpty else {
            return .unusableButtonPress(callbackQueryId: query.id, notice: "This button does nothing.")
        }
        guard let message = query.message, let conversation = conversation(of: message, accountId: accountId) else {
            return .unusableButtonPress(callbackQueryId: query.id, notice: "This button is too old; type the command instead.")
        }
        return .buttonPress(InboundMessage(conversation: conversation, senderId: String(query.from.id), text: data,
                                           platformMessageId: String(message.messageId), idempotencyKey: key, buttonPayload: data),
                            callbackQueryId: query.id)
    }

    static func conversation(of message: TelegramMessage, accountId: String) -> ConversationRef? {
        try? TelegramConversationID.conversation(
            chatId: message.chat.id, chatType: message.chat.type, isForum: message.chat.isForum ?? false,
            isTopicMessage: message.isTopicMessage ?? false, messageThreadId: message.messageThreadId, accountId: accountId)
    }
}
