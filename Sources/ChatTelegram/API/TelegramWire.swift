/// The Bot API objects acpd reads (https://core.telegram.org/bots/api), only the fields it uses.
/// Unknown fields are ignored, so newer Bot API versions decode unchanged.

/// `Update`: exactly one of its optional fields is set.
public struct TelegramUpdate: Sendable, Equatable, Decodable {
    public var updateId: Int64
    public var message: TelegramMessage?
    public var editedMessage: TelegramMessage?
    public var channelPost: TelegramMessage?
    public var editedChannelPost: TelegramMessage?
    public var callbackQuery: TelegramCallbackQuery?

    enum CodingKeys: String, CodingKey {
        case updateId = "update_id", message, editedMessage = "edited_message", channelPost = "channel_post"
        case editedChannelPost = "edited_channel_post", callbackQuery = "callback_query"
    }

    /// An update (tests build them; the poller decodes them).
    public init(updateId: Int64, message: TelegramMessage? = nil, editedMessage: TelegramMessage? = nil,
                channelPost: TelegramMessage? = nil, callbackQuery: TelegramCallbackQuery? = nil) {
        self.updateId = updateId
        self.message = message
        self.editedMessage = editedMessage
        self.channelPost = channelPost
        self.callbackQuery = callbackQuery
    }
}

/// `User`.
public struct TelegramUser: Sendable, Equatable, Decodable {
    public var id: Int64
    public var isBot: Bool
    public var username: String?

    enum CodingKeys: String, CodingKey { case id, isBot = "is_bot", username }

    public init(id: Int64, isBot: Bool = false, username: String? = nil) {
        self.id = id
        self.isBot = isBot
        self.username = username
    }
}

/// `Chat`.
public struct TelegramChat: Sendable, Equatable, Decodable {
    public var id: Int64
    /// `private`, `group`, `supergroup` or `channel`.
    public var type: String
    public var isForum: Bool?

    enum CodingKeys: String, CodingKey { case id, type, isForum = "is_forum" }

    public init(id: Int64, type: String, isForum: Bool? = nil) {
        self.id = id
        self.type = type
        self.isForum = isForum
    }
}

/// `Message` (the fields the normaliser and the send path read).
public struct TelegramMessage: Sendable, Equatable, Decodable {
    public var messageId: Int64
    public var from: TelegramUser?
    /// Set when the message was sent on behalf of a chat (anonymous admins, linked channels).
    public var senderChat: TelegramChat?
    public var chat: TelegramChat
    public var messageThreadId: Int64?
    public var isTopicMessage: Bool?
    public var text: String?
    public var caption: String?
    /// A photo in the sizes Telegram made of it, smallest first.
    public var photo: [TelegramFile]?
    public var document: TelegramFile?
    public var voice: TelegramFile?
    public var audio: TelegramFile?
    public var video: TelegramFile?

    enum CodingKeys: String, CodingKey {
        case messageId = "message_id", from, senderChat = "sender_chat", chat, messageThreadId = "message_thread_id"
        case isTopicMessage = "is_topic_message", text, caption
        case photo, document, voice, audio, video
    }

    public init(messageId: Int64, from: TelegramUser?, senderChat: TelegramChat? = nil, chat: TelegramChat,
                messageThreadId: Int64? = nil, isTopicMessage: Bool? = nil, text: String? = nil, caption: String? = nil) {
        self.messageId = messageId
        self.from = from
        self.senderChat = senderChat
        self.chat = chat
        self.messageThreadId = messageThreadId
        self.isTopicMessage = isTopicMessage
        self.text = text
        self.caption = caption
    }
}

/// `CallbackQuery`: a press on an inline keyboard button.
public struct TelegramCallbackQuery: Sendable, Equatable, Decodable {
    public var id: String
    public var from: TelegramUser
    /// The message the button was on; absent when it is too old to be delivered.
    public var message: TelegramMessage?
    public var data: String?

    public init(id: String, from: TelegramUser, message: TelegramMessage?, data: String?) {
        self.id = id
        self.from = from
        self.message = message
        self.data = data
    }
}

/// `ForumTopic`: what `createForumTopic` answers.
public struct TelegramForumTopic: Sendable, Equatable, Decodable {
    public var messageThreadId: Int64
    public var name: String

    enum CodingKeys: String, CodingKey { case messageThreadId = "message_thread_id", name }
}
