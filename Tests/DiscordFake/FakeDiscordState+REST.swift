import JSONKit

/// An HTTP answer of the fake.
public struct FakeAnswer: Sendable {
    public var status: Int
    public var headers: [(String, String)] = []
    public var body: JSONValue?
    /// Held before it is written (a lost answer).
    public var delay: Duration?
}

extension FakeDiscordState {
    /// Handles one REST call `method path` (path below `/api/v10`).
    func handle(method: String, path: String, authorization: String?, body: JSONValue?) -> FakeAnswer {
        let request = "\(method) \(path)"
        record(request: request)
        guard authorization == "Bot \(token)" else { return error(401, 0, "401: Unauthorized") }
        let parts = path.split(separator: "/").map(String.init)
        let (route, major) = Self.route(method: method, parts: parts)
        let faultable = parts.first == "channels" || (parts.first == "users" && parts.count == 3)
        var delay: Duration?
        var headers: [(String, String)] = []
        if parts.first != "interactions" {
            if faultable, let fault = takeFault() {
                switch fault {
                case .tooManyRequests(let retryAfter, let global):
                    if !global { buckets.hold(route: route, major: major, for: retryAfter) }
                    var answer = rateLimited(retryAfter, global: global)
                    if !global { answer.headers = buckets.take(route: route, major: major).headers }
                    return answer
                case .serverError:
                    return error(502, 0, "502: Bad Gateway")
                case .lostAnswer(let hold):
                    delay = hold
                }
            }
            let taken = buckets.take(route: route, major: major)
            headers = taken.headers
            if let wait = taken.exhaustedFor {
                recordExhausted(request)
                var answer = rateLimited(wait, global: false)
                answer.headers = headers
                return answer
            }
        }
        var answer = apply(method: method, parts: parts, body: body ?? .null, request: request)
        answer.headers += headers
        answer.delay = delay
        return answer
    }

    /// The route (method and path with ids named, the major parameter kept) and the major parameter.
    static func route(method: String, parts: [String]) -> (String, String) {
        var major = ""
        var named: [String] = []
        for (index, part) in parts.enumerated() {
            let previous = index > 0 ? parts[index - 1] : ""
            let isParameter = part.first?.isNumber == true || part.hasPrefix("itoken-") || (index >= 2 && parts[index - 2] == "webhooks")
            if isParameter, major.isEmpty, ["channels", "guilds", "webhooks"].contains(previous) {
                major = part
                named.append("{major}")
            } else {
                named.append(isParameter ? "{id}" : part)
            }
        }
        return ("\(method) /" + named.joined(separator: "/"), major)
    }

    private func apply(method: String, parts: [String], body: JSONValue, request: String) -> FakeAnswer {
        switch (method, parts.count, parts) {
        case ("GET", 2, ["users", "@me"]):
            return ok(["id": .string(botUserId), "username": "fakebot", "bot": true])
        case ("GET", 3, ["oauth2", "applications", "@me"]):
            return ok(["id": .string(applicationId), "name": "fake app", "bot_public": false])
        case ("GET", 2, ["gateway", "bot"]):
            return ok(["url": .string(gatewayURL), "shards": 1,
                       "session_start_limit": ["total": 1000, "remaining": .int(Int64(sessionStartsRemaining)), "reset_after": 2000, "max_concurrency": 1]])
        case ("GET", 2, _) where parts[0] == "channels":
            guard let channel = channels[parts[1]] else { return error(404, 10003, "Unknown Channel") }
            return ok(channel.json)
        case ("DELETE", 2, _) where parts[0] == "channels":
            guard let channel = channels.removeValue(forKey: parts[1]) else { return error(404, 10003, "Unknown Channel") }
            messages[channel.id] = nil
            dispatch(channel.parentId == nil ? "CHANNEL_DELETE" : "THREAD_DELETE", channel.json)
            return ok(channel.json)
        case ("POST", 3, _) where parts[0] == "channels" && parts[2] == "messages":
            guard let channel = channels[parts[1]] else { return error(404, 10003, "Unknown Channel") }
            guard !refusesDirectMessages(channel.id) else { return error(403, 50007, "Cannot send messages to this user") }
            if let refusal = checkMessage(body, request: request) { return refusal }
            // `enforce_nonce`: the bot's message with the same nonce is returned, nothing is created.
            let nonce = body["nonce"]?.stringValue
            if let nonce, nonce.count > 25 { return error(400, 50035, "Invalid Form Body (nonce: Must be 25 or fewer in length.)") }
            if let nonce, body["enforce_nonce"] == true,
               let earlier = messages[channel.id]?.first(where: { $0.authorId == botUserId && $0.nonce == nonce }) {
                recordNonceRepeat()
                return ok(messageJSON(earlier, authorIsBot: true))
            }
            var message = FakeDiscordMessage(id: takeId(), channelId: channel.id, authorId: botUserId,
                                             content: body["content"]?.stringValue ?? "", buttons: Self.buttons(body["components"]), editCount: 0)
            message.nonce = nonce
            messages[channel.id, default: []].append(message)
            var json = messageJSON(message, authorIsBot: true)
            // Discord echoes the bot's own messages on the gateway.
            if case .object(var object) = json, let guild = channel.guildId {
                object["guild_id"] = .string(guild)
                json = .object(object)
            }
            dispatch("MESSAGE_CREATE", json)
            return ok(messageJSON(message, authorIsBot: true))
        case ("PATCH", 4, _) where parts[0] == "channels" && parts[2] == "messages":
            guard channels[parts[1]] != nil else { return error(404, 10003, "Unknown Channel") }
            guard let index = messages[parts[1]]?.firstIndex(where: { $0.id == parts[3] }) else { return error(404, 10008, "Unknown Message") }
            if let refusal = checkMessage(body, request: request) { return refusal }
            var message = messages[parts[1]]![index]
            guard message.authorId == botUserId else { return error(403, 50005, "Cannot edit a message authored by another user") }
            if let content = body["content"]?.stringValue { message.content = content }
            if body["components"] != nil { message.buttons = Self.buttons(body["components"]) }
            message.editCount += 1
            messages[parts[1]]![index] = message
            return ok(messageJSON(message, authorIsBot: true))
        case ("DELETE", 4, _) where parts[0] == "channels" && parts[2] == "messages":
            guard let channel = channels[parts[1]] else { return error(404, 10003, "Unknown Channel") }
            guard let index = messages[parts[1]]?.firstIndex(where: { $0.id == parts[3] }) else { return error(404, 10008, "Unknown Message") }
            if let refusal = deletionRefusal(of: messages[parts[1]]![index], in: channel) { return refusal }
            messages[parts[1]]!.remove(at: index)
            deletedMessages.append((parts[1], parts[3]))
            return FakeAnswer(status: 204, body: nil)
        case ("POST", 3, _) where parts[0] == "channels" && parts[2] == "threads":
            guard let parent = channels[parts[1]] else { return error(404, 10003, "Unknown Channel") }
            guard parent.type == 0 || parent.type == 5 else { return error(400, 50024, "Cannot execute action on this channel type") }
            guard let name = body["name"]?.stringValue, (1...100).contains(name.count) else { return error(400, 50035, "Invalid Form Body (name)") }
            let thread = FakeDiscordChannel(id: takeId(), type: 11, parentId: parent.id, guildId: parent.guildId, name: name)
            channels[thread.id] = thread
            dispatch("THREAD_CREATE", thread.json)
            return FakeAnswer(status: 201, body: thread.json)
        case ("POST", 5, _) where parts[0] == "channels" && parts[2] == "messages" && parts[4] == "threads":
            // A thread started from a message has the message's id.
            guard let parent = channels[parts[1]] else { return error(404, 10003, "Unknown Channel") }
            guard messages[parent.id]?.contains(where: { $0.id == parts[3] }) == true else { return error(404, 10008, "Unknown Message") }
            guard channels[parts[3]] == nil else { return error(400, 160004, "A thread has already been created for this message") }
            guard let name = body["name"]?.stringValue, (1...100).contains(name.count) else { return error(400, 50035, "Invalid Form Body (name)") }
            let thread = FakeDiscordChannel(id: parts[3], type: 11, parentId: parent.id, guildId: parent.guildId, name: name)
            channels[thread.id] = thread
            dispatch("THREAD_CREATE", thread.json)
            return FakeAnswer(status: 201, body: thread.json)
        case ("POST", 3, _) where parts[0] == "channels" && parts[2] == "typing":
            guard channels[parts[1]] != nil else { return error(404, 10003, "Unknown Channel") }
            recordTyping(parts[1])
            return FakeAnswer(status: 204, body: nil)
        case ("POST", 3, ["users", "@me", "channels"]):
            guard let user = body["recipient_id"]?.stringValue, user.first?.isNumber == true else { return error(400, 50035, "Invalid Form Body (recipient_id)") }
            return ok(dmChannel(for: user).json)
        case ("POST", 4, _) where parts[0] == "interactions" && parts[3] == "callback":
            return interactionCallback(id: parts[1], token: parts[2], body: body)
        case ("POST", 3, _) where parts[0] == "webhooks":
            return followup(application: parts[1], token: parts[2], body: body)
        case ("PATCH", 5, _) where parts[0] == "webhooks" && parts[4] == "@original":
            return editOriginal(token: parts[2], body: body)
        case ("PUT", 3, _) where parts[0] == "applications" && parts[2] == "commands",
             ("PUT", 5, _) where parts[0] == "applications" && parts[4] == "commands":
            guard parts[1] == applicationId else { return error(403, 50001, "Missing Access") }
            guard case .array(let list) = body else { return error(400, 50035, "Invalid Form Body") }
            let names = list.compactMap { $0["name"]?.stringValue }
            guard names.count == list.count, list.allSatisfy(Self.validCommand) else {
                return error(400, 50035, "Invalid Form Body (application command)")
            }
            recordCommands(names, guild: parts.count == 5 ? parts[3] : "")
            return ok(.array(list))
        default:
            return error(404, 0, "404: Not Found")
        }
    }

    /// Discord's rules for a message body: text within 2000 characters, not empty, mentions off.
    private func checkMessage(_ body: JSONValue, request: String) -> FakeAnswer? {
        let content = body["content"]?.stringValue ?? ""
        if content.unicodeScalars.count > 2000 {
            recordTooLong()
            return error(400, 50035, "Invalid Form Body (content: Must be 2000 or fewer in length.)")
        }
        if content.isEmpty, Self.buttons(body["components"]).isEmpty { return error(400, 50006, "Cannot send an empty message") }
        if body["allowed_mentions"]?["parse"] != .array([]) { recordUnsafeMentions(request) }
        for row in Self.buttons(body["components"]) {
            guard row.count <= 5, row.allSatisfy({ !$0.customId.isEmpty && $0.customId.count <= 100 && $0.label.count <= 80 }) else {
                return error(400, 50035, "Invalid Form Body (components)")
            }
        }
        return nil
    }

    private func interactionCallback(id: String, token: String, body: JSONValue) -> FakeAnswer {
        guard var interaction = interactions[id], interaction.token == token else { return error(404, 10062, "Unknown interaction") }
        let after = ContinuousClock.now - interaction.created
        let type: Int = if case .int(let value)? = body["type"] { Int(value) } else { 0 }
        let ephemeral: Bool = if case .int(let flags)? = body["data"]?["flags"] { flags & 64 != 0 } else { false }
        var answer = FakeInteractionAnswer(interactionId: id, type: type, content: body["data"]?["content"]?.stringValue,
                                           ephemeral: ephemeral, after: after, refused: false)
        if after > interactionDeadline {
            answer.refused = true
            recordAnswer(answer)
            return error(404, 10062, "Unknown interaction")
        }
        if interaction.acknowledged {
            answer.refused = true
            recordAnswer(answer)
            return error(400, 40060, "Interaction has already been acknowledged.")
        }
        interaction.acknowledged = true
        interactions[id] = interaction
        recordAnswer(answer)
        return FakeAnswer(status: 204, body: nil)
    }

    private func followup(application: String, token: String, body: JSONValue) -> FakeAnswer {
        guard application == applicationId, let (id, interaction) = interactions.first(where: { $0.value.token == token }) else {
            return error(404, 10015, "Unknown Webhook")
        }
        guard interaction.acknowledged else { return error(400, 40060, "Interaction has not been acknowledged") }
        let ephemeral: Bool = if case .int(let flags)? = body["flags"] { flags & 64 != 0 } else { false }
        recordAnswer(FakeInteractionAnswer(interactionId: id, type: 0, content: body["content"]?.stringValue, ephemeral: ephemeral,
                                           after: ContinuousClock.now - interaction.created, refused: false))
        return ok(["id": .string(takeId()), "content": body["content"] ?? ""])
    }

    private func editOriginal(token: String, body: JSONValue) -> FakeAnswer {
        guard let (id, interaction) = interactions.first(where: { $0.value.token == token }), interaction.acknowledged else {
            return error(404, 10015, "Unknown Webhook")
        }
        recordAnswer(FakeInteractionAnswer(interactionId: id, type: -1, content: body["content"]?.stringValue, ephemeral: false,
                                           after: ContinuousClock.now - interaction.created, refused: false))
        return ok(["id": .string(takeId()), "content": body["content"] ?? ""])
    }

    /// Discord's rules for a command or option: a lowercase name of 1-32 characters, a description
    /// of 1-100, at most 25 options, each valid, the required ones first.
    static func validCommand(_ command: JSONValue) -> Bool {
        guard let name = command["name"]?.stringValue, (1...32).contains(name.count), name == name.lowercased(),
              name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
              let description = command["description"]?.stringValue, (1...100).contains(description.count) else { return false }
        guard case .array(let options)? = command["options"] else { return command["options"] == nil }
        // Required options come before optional ones.
        let required = options.map { $0["required"] == .bool(true) }
        guard !zip(required, required.dropFirst()).contains(where: { !$0 && $1 }) else { return false }
        return options.count <= 25 && options.allSatisfy(validCommand)
    }

    var gatewayURL: String { baseURL.replacing("http://", with: "ws://") + "/gateway" }
    var resumeURL: String { baseURL.replacing("http://", with: "ws://") + "/gateway-resume" }

    static func buttons(_ components: JSONValue?) -> [[FakeDiscordButton]] {
        guard case .array(let rows)? = components else { return [] }
        return rows.compactMap { row in
            guard case .array(let buttons)? = row["components"] else { return nil }
            return buttons.map { FakeDiscordButton(label: $0["label"]?.stringValue ?? "", customId: $0["custom_id"]?.stringValue ?? "") }
        }
    }

    private func ok(_ body: JSONValue) -> FakeAnswer { FakeAnswer(status: 200, body: body) }

    func error(_ status: Int, _ code: Int, _ message: String) -> FakeAnswer {
        FakeAnswer(status: status, body: ["code": .int(Int64(code)), "message": .string(message)])
    }

    private func rateLimited(_ wait: Duration, global: Bool) -> FakeAnswer {
        let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
        var answer = FakeAnswer(status: 429, body: ["message": "You are being rate limited.", "retry_after": .double((seconds * 1000).rounded(.up) / 1000),
                                                    "global": .bool(global)])
        answer.headers = [("Retry-After", String(Int(seconds.rounded(.up))))]
        if global { answer.headers.append(("X-RateLimit-Global", "true")) }
        return answer
    }
}
