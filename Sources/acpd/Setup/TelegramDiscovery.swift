import JSONKit

/// The Telegram side of `acpd setup telegram`: `getMe`, then the next message the bot sees.
///
/// Offsets: every poll is sent without `offset`, so it confirms nothing; updates already
/// waiting when the wizard starts (the backlog) are not "the next message" and are left for the
/// daemon. Only when the message found is the oldest one waiting is it confirmed (`consume`), so
/// `acpd run` does not take it as a prompt; otherwise it is left too.
struct TelegramDiscovery {
    let http: SetupHTTP
    let apiRoot: String
    let token: String

    /// What `getMe` said.
    struct Bot {
        var id: Int64
        var username: String
        /// False: privacy mode is on.
        var readsAllGroupMessages: Bool
    }

    /// A message found by `next`.
    struct Found {
        var updateId: Int64
        /// No update older than it was waiting: confirming it confirms nothing else.
        var isOldest: Bool
        var chat: DiscoveredChat
    }

    private func url(_ method: String) -> String {
        var root = apiRoot
        while root.hasSuffix("/") { root.removeLast() }
        return "\(root)/bot\(token)/\(method)"
    }

    /// Checks the token.
    func getMe() async throws(SetupError) -> Bot {
        let answer: SetupHTTP.Answer
        do { answer = try await http.request(url("getMe")) } catch {
            throw SetupError(description: "cannot reach \(apiRoot): \(error)")
        }
        switch answer.status {
        case 200: break
        case 401, 404: throw SetupError(description: "getMe answered \(answer.status): Telegram rejected the token; copy it again from @BotFather (/mybots → your bot → API Token)")
        default: throw SetupError(description: "getMe answered HTTP \(answer.status): \(answer.body["description"]?.stringValue ?? "no description")")
        }
        let result = answer.body["result"]
        guard case .int(let id)? = result?["id"] else { throw SetupError(description: "getMe answered without a bot id") }
        return Bot(id: id, username: result?["username"]?.stringValue ?? "?",
                   readsAllGroupMessages: result?["can_read_all_group_messages"] != .bool(false))
    }

    /// The newest update already waiting (the backlog `next` skips). Read before the wizard
    /// asks for a message, so a message sent right after the prompt is never taken as backlog.
    func newestWaiting() async throws(SetupError) -> Int64 {
        try await poll(timeout: 0).compactMap(Self.updateId).max() ?? Int64.min
    }

    /// Waits up to `seconds` for a message newer than `newestOld` (from `newestWaiting`).
    func next(after newestOld: Int64, seconds: Int) async throws(SetupError) -> Found {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let remaining = Int((deadline - ContinuousClock.now).components.seconds)
            let updates = try await poll(timeout: max(0, min(25, remaining)))
            let oldest = updates.compactMap(Self.updateId).min()
            for update in updates {
                guard let id = Self.updateId(update), id > newestOld, let chat = Self.describe(update) else { continue }
                return Found(updateId: id, isOldest: id == oldest, chat: chat)
            }
            // Only old updates (or none): a poll with a backlog answers at once, so pause.
            if !updates.isEmpty || remaining <= 0 { try? await Task.sleep(for: .seconds(1)) }
        }
        throw SetupError(description: "no message reached the bot within \(seconds) s; send one in the chat (in a group with privacy mode on, a /command or a reply to the bot) and run setup again, or pass --timeout")
    }

    /// Confirms `found` to Telegram (`offset` one past it) when it is the oldest waiting update.
    func consume(_ found: Found) async -> Bool {
        guard found.isOldest else { return false }
        let body = JSONValue(["offset": .int(found.updateId + 1), "timeout": 0, "limit": 1])
        guard let answer = try? await http.request(url("getUpdates"), body: body) else { return false }
        return answer.status == 200
    }

    private func poll(timeout: Int) async throws(SetupError) -> [JSONValue] {
        let body = JSONValue(["timeout": .int(Int64(timeout))])
        let answer: SetupHTTP.Answer
        do { answer = try await http.request(url("getUpdates"), body: body, timeout: Int64(timeout) + 15) } catch {
            throw SetupError(description: "getUpdates failed: \(error)")
        }
        if answer.status == 409 {
            throw SetupError(description: """
                getUpdates answered 409 Conflict: \(answer.body["description"]?.stringValue ?? "another poller or a webhook")
                  something else reads this bot's updates: a running `acpd run` (stop it: systemctl stop acpd, or Ctrl-C), another
                  bot program with this token, or a webhook (remove it with the Bot API's deleteWebhook). Then run setup again.
                """)
        }
        guard answer.status == 200, case .array(let updates)? = answer.body["result"] else {
            throw SetupError(description: "getUpdates answered HTTP \(answer.status): \(answer.body["description"]?.stringValue ?? "no description")")
        }
        return updates
    }

    private static func updateId(_ update: JSONValue) -> Int64? {
        if case .int(let id)? = update["update_id"] { id } else { nil }
    }

    /// Where a message update came from; nil for other updates (edits, reactions, bots).
    static func describe(_ update: JSONValue) -> DiscoveredChat? {
        guard let message = update["message"] ?? update["channel_post"], let chat = message["chat"],
              case .int(let chatId)? = chat["id"] else { return nil }
        if message["from"]?["is_bot"] == .bool(true) { return nil }
        let type = chat["type"]?.stringValue ?? "group"
        let isForum = chat["is_forum"] == .bool(true)
        let title = chat["title"]?.stringValue ?? [chat["first_name"]?.stringValue, chat["username"]?.stringValue.map { "@" + $0 }]
            .compactMap { $0 }.joined(separator: " ")
        var lines = ["chat: \(title.isEmpty ? "(no title)" : title) (\(type)\(isForum ? ", forum" : ""), id \(chatId))"]
        var conversation = "\(chatId)"
        if isForum {
            let topic: Int64 = if message["is_topic_message"] == .bool(true), case .int(let thread)? = message["message_thread_id"] { thread } else { 1 }
            let name = message["reply_to_message"]?["forum_topic_created"]?["name"]?.stringValue ?? (topic == 1 ? "General" : nil)
            lines.append("topic: \(name.map { "\"\($0)\" " } ?? "")(id \(topic))")
            conversation = "\(chatId):topic:\(topic)"
        }
        var sender: String?
        if let from = message["from"], case .int(let user)? = from["id"] {
            let name = [from["first_name"]?.stringValue, from["last_name"]?.stringValue, from["username"]?.stringValue.map { "@" + $0 }]
                .compactMap { $0 }.joined(separator: " ")
            lines.append("sender: \(name.isEmpty ? "?" : name) (id \(user))")
            sender = "telegram:\(user)"
        }
        if let text = message["text"]?.stringValue { lines.append("message: \(text.prefix(80))") }
        let kind = type == "private" ? "direct" : type == "channel" ? "channel" : "group"
        return DiscoveredChat(channel: "telegram", peerKind: kind, conversationId: conversation, description: lines, sender: sender)
    }
}
