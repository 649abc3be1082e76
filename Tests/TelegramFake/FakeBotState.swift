import Foundation
import JSONKit

/// One message the fake Bot API stores.
public struct FakeMessage: Sendable, Equatable {
    public var chatId: Int64
    public var messageId: Int64
    /// The topic it was posted into (nil: the chat itself, or a forum's General).
    public var threadId: Int64?
    public var text: String
    /// Rows of (label, callback_data).
    public var buttons: [[FakeButton]]
    public var editCount: Int
    /// Its formatting (`entities`, offsets in UTF-16 code units).
    public var entities: [FakeEntity] = []
}

/// A button of an inline keyboard as the fake stores it.
public struct FakeButton: Sendable, Equatable {
    public var text: String
    public var callbackData: String
}

/// A fault the fake produces on its next call other than `getUpdates`.
public enum FakeFault: Sendable, Equatable {
    /// 429 with `parameters.retry_after` (whole seconds, as Telegram counts), nothing applied.
    case tooManyRequests(retryAfter: Int)
    /// A 5xx answer (502 Bad Gateway), nothing applied.
    case serverError
    /// The request is applied, then the answer is held for `holdFor` (longer than the client's
    /// request timeout, so the client gives up: a lost answer).
    case lostAnswer(holdFor: Duration)
    /// 400 "Bad Request: can't parse entities: …", nothing applied.
    case cantParseEntities
}

/// The bot's standing in a chat, as `getChatMember` reports it.
public enum FakeMembership: Sendable, Equatable {
    /// A plain member (no admin rights).
    case member
    /// An administrator, with or without the `can_manage_topics` right.
    case administrator(canManageTopics: Bool)
    /// Removed from the chat: `getChat` answers 403.
    case kicked
}

/// The fake's state: updates with real offset semantics, a per-(chat, thread) message store, the
/// requests seen. An actor; the HTTP layer calls `handle`.
public actor FakeBotState {
    public let token: String
    public let botUser: Int64 = 999_000
    private var updates: [(id: Int64, json: JSONValue)] = []
    private var nextUpdateId: Int64 = 100
    /// Updates below this were confirmed by a `getUpdates` offset.
    public private(set) var confirmedBelow: Int64 = 0
    /// Every `offset` that `getUpdates` was called with (nil: none given).
    public private(set) var polledOffsets: [Int64?] = []
    private var forums: [Int64: Set<Int64>] = [:]
    private var noTopicRights: Set<Int64> = []
    /// Chats `getChat` knows besides the forums: declared ones and those that sent updates (id → type).
    private var knownChats: [Int64: String] = [:]
    /// The bot's membership where it is not the default (forums: an admin with `can_manage_topics`
    /// unless `denyTopicRights`; other chats: a member).
    private var membership: [Int64: FakeMembership] = [:]
    /// When true, `getUpdates` requests are recorded (`polledOffsets`) but neither confirm an
    /// offset nor deliver anything: they are held until `releasePolls()` or their timeout.
    public private(set) var pollsHeld = false
    /// Set by `holdPollsAfterNextDelivery`: the next answer that carries updates holds polls.
    private var holdAfterDelivery = false
    /// `getWebhookInfo`'s `url` ("" = no webhook).
    public var webhookURL = ""
    /// `getMe`'s `can_read_all_group_messages` (false: privacy mode on).
    public var readsAllGroupMessages = true

    /// Sets a webhook URL ("" removes it) and the privacy mode `getMe` reports.
    public func configure(webhookURL: String = "", readsAllGroupMessages: Bool = true) {
        self.webhookURL = webhookURL
        self.readsAllGroupMessages = readsAllGroupMessages
    }
    var messages: [Int64: [FakeMessage]] = [:]
    /// Users' messages (`enqueueText`), for `deleteMessage`: chat → message id → when posted (FakeDeletion.swift).
    var userMessages: [Int64: [Int64: Date]] = [:]
    /// Messages `deleteMessage` deleted: (chat, message id), in order.
    public internal(set) var deletedMessages: [(chat: Int64, messageId: Int64)] = []
    private var nextMessageId: [Int64: Int64] = [:]
    private var faults: [FakeFault] = []
    private var pollFailures: [(status: Int, description: String, retryAfter: Int?)] = []
    private var duplicateNext = false
    /// `callback_query_id` → the text it was answered with (nil: answered without text).
    public private(set) var answeredQueries: [String: String?] = [:]
    /// Methods called, in order (`getUpdates` included).
    public private(set) var calls: [String] = []
    /// Topics `createForumTopic` made (also ones deleted since): topic id → name.
    public private(set) var createdTopicNames: [Int64: String] = [:]
    /// The commands the last `setMyCommands` set (command names, in order).
    public private(set) var menuCommands: [String] = []
    /// Telegram's flood limits, when enforced (`enforceFloodLimits`).
    private var flood: FakeFloodModel?
    /// Every `sendMessageDraft`: (chat, draft id, text), in order.
    public private(set) var drafts: [(chat: Int64, draftId: Int64, text: String)] = []
    /// Every `sendChatAction`: (chat, thread, action), in order.
    public private(set) var chatActions: [(chat: Int64, thread: Int64?, action: String)] = []

    /// Enforces Telegram's flood limits from now on (see `FakeFloodModel`).
    public func enforceFloodLimits(_ limits: FakeFloodLimits = FakeFloodLimits()) { flood = FakeFloodModel(limits: limits) }

    /// What the flood model saw (all zero when it is off).
    public var floodReport: FakeFloodReport { flood?.report ?? FakeFloodReport() }
    /// Files by `file_id` (see `addFile`).
    var files: [String: FakeFile] = [:]
    /// File paths downloaded, in order.
    public private(set) var downloads: [String] = []
    /// Downloads still to fail with 502.
    var failDownloads = 0

    public init(token: String) {
        self.token = token
    }

    // MARK: Set-up

    /// Declares a forum supergroup `chatId` with `topics` (General, 1, always exists but takes no thread id).
    public func addForum(_ chatId: Int64, topics: Set<Int64>) {
        forums[chatId] = topics
        // Message 1 of a forum is General's; topic ids are the ids of their creation messages.
        nextMessageId[chatId] = max(nextMessageId[chatId] ?? 2, (topics.max() ?? 1) + 1)
    }

    /// The bot lacks `can_manage_topics` in `chatId`: `createForumTopic` fails there.
    public func denyTopicRights(in chatId: Int64) { noTopicRights.insert(chatId) }

    /// Declares chat `chatId` for `getChat` (type `private` for a positive id, else `supergroup`)
    /// and the bot's membership there.
    public func addChat(_ chatId: Int64, bot: FakeMembership = .member) {
        knownChats[chatId] = chatId > 0 ? "private" : "supergroup"
        membership[chatId] = bot
    }

    /// Sets the bot's membership in chat `chatId` (a forum, or a declared chat).
    public func setMembership(_ bot: FakeMembership, in chatId: Int64) { membership[chatId] = bot }

    /// Holds every `getUpdates` from now on (a poll neither confirms its offset nor gets updates).
    public func holdPolls() { pollsHeld = true }

    /// Holds polls (`holdPolls`) right after the next `getUpdates` answer that carries updates:
    /// acpd gets them, but Telegram never learns that acpd handled them (the offset of its next
    /// poll is recorded, not confirmed), the moment a crash test kills acpd in.
    public func holdPollsAfterNextDelivery() { holdAfterDelivery = true }

    /// Ends `holdPolls`: polls confirm and deliver again.
    public func releasePolls() { pollsHeld = false }

    /// The topics of forum `chatId` (General not included).
    public func topics(of chatId: Int64) -> Set<Int64> { forums[chatId] ?? [] }

    /// Queues `update` (its `update_id` is set by the fake) and returns its id.
    @discardableResult
    public func enqueue(_ update: [String: JSONValue]) -> Int64 {
        let id = nextUpdateId
        nextUpdateId += 1
        var object = update
        object["update_id"] = .int(id)
        if case .int(let chat)? = object["message"]?["chat"]?["id"], forums[chat] == nil, knownChats[chat] == nil {
            knownChats[chat] = object["message"]?["chat"]?["type"]?.stringValue ?? "supergroup"
        }
        updates.append((id, JSONValue(object)))
        if duplicateNext {
            duplicateNext = false
            updates.append((id, JSONValue(object)))
        }
        return id
    }

    /// Queues a text message from user `from` in `chat` (a forum topic when `topic` is given and
    /// not General) and returns the update id.
    @discardableResult
    public func enqueueText(_ text: String, chat: Int64, from user: Int64, topic: Int64? = nil, isBot: Bool = false) -> Int64 {
        let forum = forums[chat] != nil
        let messageId = takeMessageId(chat)
        userMessages[chat, default: [:]][messageId] = Date()
        var message: [String: JSONValue] = [
            "message_id": .int(messageId), "date": 1,
            "chat": JSONValue(["id": .int(chat), "type": .string(chat > 0 ? "private" : "supergroup"), "is_forum": .bool(forum)]),
            "from": JSONValue(["id": .int(user), "is_bot": .bool(isBot), "first_name": "U"]),
            "text": .string(text),
        ]
        if forum, let topic, topic != 1 {
            message["message_thread_id"] = .int(topic)
            message["is_topic_message"] = true
        }
        return enqueue(["message": JSONValue(message)])
    }

    /// A user presses the inline button whose callback data is `data`, under message `messageId`
    /// of `chat` (in `topic` of a forum): a `callback_query` update. Returns its update id.
    @discardableResult
    public func enqueuePress(_ queryId: String, data: String, from user: Int64, chat: Int64, messageId: Int64,
                             topic: Int64? = nil) -> Int64 {
        var message: [String: JSONValue] = ["message_id": .int(messageId), "date": 1,
                                            "chat": ["id": .int(chat), "type": .string(chat > 0 ? "private" : "supergroup"),
                                                     "is_forum": .bool(topic != nil)]]
        if let topic {
            message["message_thread_id"] = .int(topic)
            message["is_topic_message"] = true
        }
        return enqueue(["callback_query": ["id": .string(queryId), "chat_instance": "x", "data": .string(data),
                                           "from": ["id": .int(user), "is_bot": false, "first_name": "Someone"],
                                           "message": JSONValue(message)]])
    }

    /// The next queued update is delivered twice (a redelivery).
    public func duplicateNextUpdate() { duplicateNext = true }

    /// Makes the next call other than `getUpdates` fail with `fault`.
    public func inject(_ fault: FakeFault) { faults.append(fault) }

    /// Makes the next `getUpdates` answer HTTP `status` with `description` (409 Conflict, 502, 429
    /// with `retryAfter`) instead of updates.
    public func injectPollFailure(status: Int, description: String, retryAfter: Int? = nil) {
        pollFailures.append((status, description, retryAfter))
    }

    // MARK: Reading

    /// The messages of `chat` in topic `thread` (nil: the chat itself or General), oldest first.
    public func messages(chat: Int64, thread: Int64?) -> [FakeMessage] {
        (messages[chat] ?? []).filter { $0.threadId == thread }
    }

    /// Every message the bot sent, in order.
    public var allMessages: [FakeMessage] { messages.values.flatMap { $0 }.sorted { ($0.chatId, $0.messageId) < ($1.chatId, $1.messageId) } }

    // MARK: Serving

    /// An HTTP answer.
    public struct Answer: Sendable {
        public var status: Int
        public var body: JSONValue
        /// Held before it is written.
        public var delay: Duration?
    }

    /// The updates from `offset` on (confirming the ones below), or none.
    func pendingUpdates(offset: Int64?) -> [JSONValue] {
        polledOffsets.append(offset)
        guard !pollsHeld else { return [] }
        if let offset, offset > confirmedBelow {
            confirmedBelow = offset
            updates.removeAll { $0.id < offset }
        }
        return deliverable()
    }

    /// The updates an answer carries now (none while polls are held).
    private func deliverable() -> [JSONValue] {
        guard !pollsHeld else { return [] }
        let batch = updates.prefix(100)
        if !batch.isEmpty, holdAfterDelivery {
            holdAfterDelivery = false
            pollsHeld = true
        }
        return batch.map(\.json)
    }

    /// Handles one call other than `getUpdates`.
    func handle(method: String, token: String, parameters: JSONValue) -> Answer {
        calls.append(method)
        guard token == "bot\(self.token)" else { return error(401, "Unauthorized") }
        var delay: Duration?
        if !faults.isEmpty, method != "getUpdates" {
            switch faults.removeFirst() {
            case .tooManyRequests(let seconds):
                return Answer(status: 429, body: JSONValue([
                    "ok": false, "error_code": 429, "description": .string("Too Many Requests: retry after \(seconds)"),
                    "parameters": JSONValue(["retry_after": .int(Int64(seconds))]),
                ]), delay: nil)
            case .serverError:
                return error(502, "Bad Gateway")
            case .lostAnswer(let hold):
                delay = hold
            case .cantParseEntities:
                return error(400, FakeEntityError("the injected fault").description)
            }
        }
        if FakeFloodModel.counted.contains(method), let chat = integer(parameters["chat_id"]),
           let retryAfter = flood?.admit(chat: chat, now: .now) {
            return Answer(status: 429, body: JSONValue([
                "ok": false, "error_code": 429, "description": .string("Too Many Requests: retry after \(retryAfter)"),
                "parameters": JSONValue(["retry_after": .int(Int64(retryAfter))]),
            ]), delay: nil)
        }
        var answer = apply(method: method, parameters)
        answer.delay = delay
        return answer
    }

    /// Records a `getUpdates` call; returns the failure to answer with, if one was injected.
    func recordPoll() -> Answer? {
        calls.append("getUpdates")
        guard !pollFailures.isEmpty else { return nil }
        let failure = pollFailures.removeFirst()
        var body: [String: JSONValue] = ["ok": false, "error_code": .int(Int64(failure.status)), "description": .string(failure.description)]
        if let retryAfter = failure.retryAfter { body["parameters"] = JSONValue(["retry_after": .int(Int64(retryAfter))]) }
        return Answer(status: failure.status, body: JSONValue(body))
    }

    /// The updates not yet confirmed (no offset change).
    func peekUpdates() -> [JSONValue] { deliverable() }

    private func apply(method: String, _ p: JSONValue) -> Answer {
        switch method {
        case "getMe":
            return ok(JSONValue(["id": .int(botUser), "is_bot": true, "first_name": "Fake", "username": "fake_bot",
                                 "can_read_all_group_messages": .bool(readsAllGroupMessages)]))
        case "setMyCommands":
            guard case .array(let list)? = p["commands"], !list.isEmpty else { return error(400, "Bad Request: commands must be non-empty") }
            var names: [String] = []
            for item in list {
                guard let name = item["command"]?.stringValue, let description = item["description"]?.stringValue,
                      (1...32).contains(name.count), name == name.lowercased(), (1...256).contains(description.count) else {
                    return error(400, "Bad Request: BOT_COMMAND_INVALID")
                }
                names.append(name)
            }
            menuCommands = names
            return ok(true)
        case "getWebhookInfo":
            return ok(JSONValue(["url": .string(webhookURL), "has_custom_certificate": false, "pending_update_count": 0]))
        case "sendMessage":
            guard let chat = integer(p["chat_id"]) else { return error(400, "Bad Request: chat_id is empty") }
            // A bot cannot write first to a user: the user must have started it (written to it) before.
            guard chat < 0 || knownChats[chat] != nil else { return error(403, "Forbidden: bot can't initiate conversation with a user") }
            guard let text = p["text"]?.stringValue, !text.isEmpty else { return error(400, "Bad Request: message text is empty") }
            guard text.utf16.count <= 4096 else { return error(400, "Bad Request: message is too long") }
            let entities: [FakeEntity]
            switch formatting(p, text: text) {
            case .success(let parsed): entities = parsed
            case .failure(let failure): return error(400, failure.description)
            }
            let thread = integer(p["message_thread_id"])
            if let thread {
                // General takes no thread id; a non-forum chat has no topics.
                guard thread != 1, forums[chat]?.contains(thread) == true else {
                    return error(400, "Bad Request: message thread not found")
                }
            }
            let message = FakeMessage(chatId: chat, messageId: takeMessageId(chat), threadId: thread, text: text,
                                      buttons: buttons(p["reply_markup"]), editCount: 0, entities: entities)
            messages[chat, default: []].append(message)
            return ok(json(message))
        case "editMessageText":
            guard let chat = integer(p["chat_id"]), let id = integer(p["message_id"]) else {
                return error(400, "Bad Request: message identifier is not specified")
            }
            guard let text = p["text"]?.stringValue, !text.isEmpty else { return error(400, "Bad Request: message text is empty") }
            guard text.utf16.count <= 4096 else { return error(400, "Bad Request: MESSAGE_TOO_LONG") }
            let entities: [FakeEntity]
            switch formatting(p, text: text) {
            case .success(let parsed): entities = parsed
            case .failure(let failure): return error(400, failure.description)
            }
            guard let index = messages[chat]?.firstIndex(where: { $0.messageId == id }) else {
                return error(400, "Bad Request: message to edit not found")
            }
            let newButtons = buttons(p["reply_markup"])
            var message = messages[chat]![index]
            guard message.text != text || message.entities != entities || message.buttons != newButtons else {
                return error(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
            }
            message.text = text
            message.entities = entities
            message.buttons = newButtons
            message.editCount += 1
            messages[chat]![index] = message
            return ok(json(message))
        case "createForumTopic":
            guard let chat = integer(p["chat_id"]) else { return error(400, "Bad Request: chat_id is empty") }
            guard let name = p["name"]?.stringValue, !name.isEmpty, name.count <= 128 else { return error(400, "Bad Request: invalid forum topic name specified") }
            guard forums[chat] != nil else { return error(400, "Bad Request: the chat is not a forum") }
            guard botMembership(chat) == .administrator(canManageTopics: true) else {
                return error(400, "Bad Request: not enough rights to create a topic")
            }
            let topic = takeMessageId(chat)
            forums[chat]?.insert(topic)
            createdTopicNames[topic] = name
            return ok(JSONValue(["message_thread_id": .int(topic), "name": .string(name), "icon_color": 7_322_096]))
        case "deleteForumTopic":
            guard let chat = integer(p["chat_id"]), let topic = integer(p["message_thread_id"]) else {
                return error(400, "Bad Request: message thread not found")
            }
            guard forums[chat]?.contains(topic) == true else { return error(400, "Bad Request: TOPIC_ID_INVALID") }
            forums[chat]?.remove(topic)
            messages[chat]?.removeAll { $0.threadId == topic }
            return ok(true)
        case "sendMessageDraft":
            guard let chat = integer(p["chat_id"]) else { return error(400, "Bad Request: chat_id is empty") }
            guard chat > 0 else { return error(400, "Bad Request: message drafts can be sent only to private chats") }
            guard let draft = integer(p["draft_id"]), draft != 0 else { return error(400, "Bad Request: draft_id must be non-zero") }
            guard let text = p["text"]?.stringValue, !text.isEmpty else { return error(400, "Bad Request: message text is empty") }
            guard text.utf16.count <= 4096 else { return error(400, "Bad Request: message is too long") }
            if case .failure(let failure) = formatting(p, text: text) { return error(400, failure.description) }
            drafts.append((chat, draft, text))
            return ok(true)
        case "sendChatAction":
            guard let chat = integer(p["chat_id"]), let action = p["action"]?.stringValue else {
                return error(400, "Bad Request: chat_id is empty")
            }
            guard ["typing", "upload_photo", "upload_document", "record_voice"].contains(action) else {
                return error(400, "Bad Request: wrong parameter action in request")
            }
            let thread = integer(p["message_thread_id"])
            if let thread, thread == 1 || forums[chat]?.contains(thread) != true {
                return error(400, "Bad Request: message thread not found")
            }
            chatActions.append((chat, thread, action))
            return ok(true)
        case "getChat":
            guard let chat = integer(p["chat_id"]) else { return error(400, "Bad Request: chat_id is empty") }
            guard let type = forums[chat] != nil ? "supergroup" : knownChats[chat] else { return error(400, "Bad Request: chat not found") }
            if botMembership(chat) == .kicked {
                return error(403, "Forbidden: bot was kicked from the \(type == "private" ? "private" : "supergroup") chat")
            }
            var info: [String: JSONValue] = ["id": .int(chat), "type": .string(type)]
            if type == "private" { info["first_name"] = "U" } else { info["title"] = .string("Chat \(chat)") }
            if forums[chat] != nil { info["is_forum"] = true }
            return ok(JSONValue(info))
        case "getChatMember":
            guard let chat = integer(p["chat_id"]) else { return error(400, "Bad Request: chat_id is empty") }
            guard let user = integer(p["user_id"]) else { return error(400, "Bad Request: user_id is empty") }
            guard forums[chat] != nil || knownChats[chat] != nil else { return error(400, "Bad Request: chat not found") }
            let status = user == botUser ? botMembership(chat) : .member
            if status == .kicked, user == botUser { return error(403, "Forbidden: bot was kicked from the supergroup chat") }
            var member: [String: JSONValue] = ["user": JSONValue(["id": .int(user), "is_bot": .bool(user == botUser), "first_name": "U"])]
            switch status {
            case .member, .kicked: member["status"] = "member"
            case .administrator(let topics):
                member["status"] = "administrator"
                member["can_be_edited"] = false
                member["can_manage_chat"] = true
                member["can_delete_messages"] = true
                member["can_pin_messages"] = true
                member["can_manage_topics"] = .bool(topics)
            }
            return ok(JSONValue(member))
        case "getFile":
            return getFile(p)
        case "deleteMessage":
            return deleteMessage(p)
        case "answerCallbackQuery":
            guard let id = p["callback_query_id"]?.stringValue else { return error(400, "Bad Request: query is empty") }
            answeredQueries[id] = p["text"]?.stringValue
            return ok(true)
        default:
            return error(404, "Not Found: method not found")
        }
    }

    /// The bot's membership in `chat`: as set, else an admin with `can_manage_topics` in a forum
    /// (unless `denyTopicRights`), else a member.
    func botMembership(_ chat: Int64) -> FakeMembership {
        if noTopicRights.contains(chat) { return .administrator(canManageTopics: false) }
        if let set = membership[chat] { return set }
        return forums[chat] != nil ? .administrator(canManageTopics: true) : .member
    }

    /// A message's `entities`, or with `parse_mode` none (the text is checked as Telegram would).
    private func formatting(_ p: JSONValue, text: String) -> Result<[FakeEntity], FakeEntityError> {
        if let mode = p["parse_mode"]?.stringValue, let failure = FakeEntity.checkParseMode(mode, text: text) { return .failure(failure) }
        return FakeEntity.parse(p["entities"], text: text)
    }

    private func takeMessageId(_ chat: Int64) -> Int64 {
        let id = nextMessageId[chat, default: 1]
        nextMessageId[chat] = id + 1
        return id
    }

    private func buttons(_ markup: JSONValue?) -> [[FakeButton]] {
        guard case .array(let rows)? = markup?["inline_keyboard"] else { return [] }
        return rows.compactMap { row in
            guard case .array(let buttons) = row else { return nil }
            return buttons.map { FakeButton(text: $0["text"]?.stringValue ?? "", callbackData: $0["callback_data"]?.stringValue ?? "") }
        }
    }

    private func json(_ message: FakeMessage) -> JSONValue {
        var object: [String: JSONValue] = [
            "message_id": .int(message.messageId), "date": 1, "text": .string(message.text),
            "chat": JSONValue(["id": .int(message.chatId), "type": .string(message.chatId > 0 ? "private" : "supergroup"),
                               "is_forum": .bool(forums[message.chatId] != nil)]),
            "from": JSONValue(["id": .int(botUser), "is_bot": true, "first_name": "Fake"]),
        ]
        if let thread = message.threadId {
            object["message_thread_id"] = .int(thread)
            object["is_topic_message"] = true
        }
        return JSONValue(object)
    }

    func ok(_ result: JSONValue) -> Answer { Answer(status: 200, body: JSONValue(["ok": true, "result": result])) }

    func error(_ code: Int, _ description: String) -> Answer {
        Answer(status: code, body: JSONValue(["ok": false, "error_code": .int(Int64(code)), "description": .string(description)]))
    }

    func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case .int(let number)?: number
        case .string(let text)?: Int64(text)
        default: nil
        }
    }
}

// MARK: Files (getFile, downloads, messages with a photo or a document)

/// A file the fake serves: `getFile` gives its path, `GET /file/bot<token>/<path>` its bytes.
struct FakeFile: Sendable {
    var path: String
    var bytes: [UInt8]
    /// The size `getFile` and the message report (may differ from `bytes.count`: a big file
    /// without the bytes, or a size that lies).
    var size: Int
}

extension FakeBotState {
    /// The Bot API's download limit: `getFile` refuses bigger files ("file is too big").
    public static let maxDownloadBytes = 20 << 20

    /// Stores a file and returns its `file_id`. `declaredSize` (default: the byte count) is what
    /// the message and `getFile` report.
    public func addFile(_ bytes: [UInt8], name: String, declaredSize: Int? = nil) -> String {
        let id = "file-\(files.count + 1)"
        files[id] = FakeFile(path: "documents/\(id)-\(name)", bytes: bytes, size: declaredSize ?? bytes.count)
        return id
    }

    /// Queues a message with a document (`file_name`, `mime_type`, `file_size`) and `caption`
    /// from `user` in `chat` (a forum topic when given); returns the update id.
    @discardableResult
    public func enqueueDocument(_ bytes: [UInt8], name: String, mimeType: String = "application/octet-stream", caption: String? = nil,
                                chat: Int64, from user: Int64, topic: Int64? = nil, declaredSize: Int? = nil) -> Int64 {
        let id = addFile(bytes, name: name, declaredSize: declaredSize)
        var message = mediaMessage(chat: chat, from: user, topic: topic, caption: caption)
        message["document"] = JSONValue(["file_id": .string(id), "file_unique_id": .string("u-\(id)"), "file_name": .string(name),
                                         "mime_type": .string(mimeType), "file_size": .int(Int64(files[id]!.size))])
        return enqueue(["message": JSONValue(message)])
    }

    /// Queues a message with a photo in `sizes` (smallest first, as Telegram sends them; each
    /// its bytes and width × height) and `caption`; returns the update id.
    @discardableResult
    public func enqueuePhoto(_ sizes: [(bytes: [UInt8], width: Int, height: Int)], caption: String? = nil,
                             chat: Int64, from user: Int64, topic: Int64? = nil) -> Int64 {
        var list: [JSONValue] = []
        for size in sizes {
            let id = addFile(size.bytes, name: "photo-\(size.width).jpg")
            list.append(JSONValue(["file_id": .string(id), "file_unique_id": .string("u-\(id)"), "width": .int(Int64(size.width)),
                                   "height": .int(Int64(size.height)), "file_size": .int(Int64(size.bytes.count))]))
        }
        var message = mediaMessage(chat: chat, from: user, topic: topic, caption: caption)
        message["photo"] = .array(list)
        return enqueue(["message": JSONValue(message)])
    }

    /// The next file download answers 502 Bad Gateway.
    public func failNextDownload() { failDownloads += 1 }

    /// `getFile`: the file's path and size; an unknown id is 400 "invalid file_id", a file over
    /// 20 MB is 400 "file is too big" (Telegram's answers).
    func getFile(_ p: JSONValue) -> Answer {
        guard let id = p["file_id"]?.stringValue, let file = files[id] else {
            return Answer(status: 400, body: JSONValue(["ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"]))
        }
        guard file.size <= Self.maxDownloadBytes else {
            return Answer(status: 400, body: JSONValue(["ok": false, "error_code": 400, "description": "Bad Request: file is too big"]))
        }
        return Answer(status: 200, body: JSONValue(["ok": true, "result": JSONValue([
            "file_id": .string(id), "file_unique_id": .string("u-\(id)"), "file_size": .int(Int64(file.size)), "file_path": .string(file.path),
        ])]))
    }

    /// A download of `path` with bot token part `bot`: the bytes, or 404 / 401 / an injected 502.
    func download(bot: String, path: String) -> (status: Int, bytes: [UInt8]) {
        calls.append("download")
        guard bot == "bot\(token)" else { return (401, Array(#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#.utf8)) }
        if failDownloads > 0 {
            failDownloads -= 1
            return (502, Array(#"{"ok":false,"error_code":502,"description":"Bad Gateway"}"#.utf8))
        }
        guard let file = files.values.first(where: { $0.path == path }) else {
            return (404, Array(#"{"ok":false,"error_code":404,"description":"Not Found"}"#.utf8))
        }
        downloads.append(path)
        return (200, file.bytes)
    }

    private func mediaMessage(chat: Int64, from user: Int64, topic: Int64?, caption: String?) -> [String: JSONValue] {
        var message: [String: JSONValue] = [
            "message_id": .int(takeMessageId(chat)), "date": 1,
            "chat": JSONValue(["id": .int(chat), "type": .string(chat > 0 ? "private" : "supergroup"), "is_forum": .bool(forums[chat] != nil)]),
            "from": JSONValue(["id": .int(user), "is_bot": false, "first_name": "U"]),
        ]
        if let caption { message["caption"] = .string(caption) }
        if forums[chat] != nil, let topic, topic != 1 {
            message["message_thread_id"] = .int(topic)
            message["is_topic_message"] = true
        }
        return message
    }
}
