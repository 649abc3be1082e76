import JSONKit

/// The fake Discord's state: channels, threads and DMs, a message store, rate-limit buckets, the
/// gateway sessions with their event logs (sequence numbers, replay on RESUME), interactions with
/// their 3-second deadline, and the faults to inject. An actor; the HTTP and WebSocket layers
/// call into it.
public actor FakeDiscordState {
    public nonisolated let token: String
    public nonisolated let botUserId = "900000000000000001"
    public nonisolated let applicationId = "800000000000000001"
    public nonisolated let guildId = "700000000000000001"
    /// The fake's base URL (`http://127.0.0.1:<port>`), set once the server listens.
    public internal(set) var baseURL = ""

    var channels: [String: FakeDiscordChannel] = [:]
    var messages: [String: [FakeDiscordMessage]] = [:]
    /// Whether the bot has Manage Messages in the guild (deleting others' messages), `allowManageMessages`.
    var botManagesMessages = false
    /// Messages deleted through REST: (channel, message id), in order.
    public internal(set) var deletedMessages: [(channel: String, messageId: String)] = []
    private var nextId: UInt64 = 1_100_000_000_000_000_000
    var buckets = FakeBuckets(limit: 5, window: .seconds(2))
    private var faults: [FakeDiscordFault] = []
    private var dmChannels: [String: String] = [:]
    /// Users who accept no direct messages from the bot (privacy settings, no shared server).
    private var closedDMs: Set<String> = []
    private let clock = ContinuousClock()

    /// Requests that arrived while their bucket was empty (a 429 the client should have avoided):
    /// `METHOD path`.
    public private(set) var requestsWhileExhausted: [String] = []
    /// Every REST request, `METHOD path`, in order.
    public private(set) var requests: [String] = []
    /// Message creates and edits whose `allowed_mentions` was not `{"parse": []}`.
    public private(set) var unsafeMentions: [String] = []
    /// Messages refused for being over 2000 characters.
    public private(set) var tooLong = 0
    /// The application commands set, by guild ("" = global): their names.
    public private(set) var commands: [String: [String]] = [:]
    /// Typing indicators triggered, by channel.
    public private(set) var typing: [String] = []
    /// Message creates answered with an earlier message of the same nonce (`enforce_nonce`).
    public private(set) var nonceRepeats = 0

    // Interactions.
    struct Interaction {
        var token: String
        var created: ContinuousClock.Instant
        var acknowledged = false
    }
    var interactions: [String: Interaction] = [:]
    /// Callbacks and follow-ups, in order.
    public private(set) var interactionAnswers: [FakeInteractionAnswer] = []
    /// How long an interaction may wait for its first callback.
    public var interactionDeadline: Duration = .seconds(3)

    // Gateway.
    /// op 10's interval.
    public var heartbeatInterval: Duration = .milliseconds(41_250)
    /// False: IDENTIFY with the Message Content intent is closed with 4014.
    public var messageContentAllowed = true
    /// How many of the next sockets get no HELLO (a half-open connection).
    public var silentSockets = 0
    /// `session_start_limit.remaining` of `/gateway/bot`; each IDENTIFY takes one.
    public private(set) var sessionStartsRemaining = 1000
    var sessions: [String: FakeGatewaySession] = [:]
    var currentSession: String?
    var sockets: [Int: FakeSocket] = [:]
    var nextSocket = 0
    /// IDENTIFYs received (with their intents).
    public private(set) var identifies: [Int] = []
    /// RESUMEs received: (session, seq) and the path they came on.
    public private(set) var resumes: [(session: String, sequence: Int64?, path: String)] = []
    /// Heartbeats received.
    public private(set) var heartbeats = 0
    /// Dispatches sent on sockets (replays included), by name.
    public private(set) var sentDispatches: [String] = []

    /// A fake for bot `token`: one guild with two text channels (`generalChannel`, `otherChannel`).
    public init(token: String) {
        self.token = token
        let general = FakeDiscordChannel(id: "600000000000000001", type: 0, parentId: nil, guildId: guildId, name: "general")
        let other = FakeDiscordChannel(id: "600000000000000002", type: 0, parentId: nil, guildId: guildId, name: "other")
        channels[general.id] = general
        channels[other.id] = other
    }

    /// The guild's first text channel.
    public nonisolated var generalChannel: String { "600000000000000001" }
    /// The guild's second text channel.
    public nonisolated var otherChannel: String { "600000000000000002" }

    // MARK: Set-up

    /// Sets the buckets' size and window.
    public func setBuckets(limit: Int, window: Duration) { buckets = FakeBuckets(limit: limit, window: window) }
    /// Sets the gateway's heartbeat interval and whether Message Content is allowed.
    public func configureGateway(heartbeatInterval: Duration? = nil, messageContentAllowed: Bool? = nil, sessionStarts: Int? = nil,
                                 silentSockets: Int? = nil) {
        if let silentSockets { self.silentSockets = silentSockets }
        if let heartbeatInterval { self.heartbeatInterval = heartbeatInterval }
        if let messageContentAllowed { self.messageContentAllowed = messageContentAllowed }
        if let sessionStarts { sessionStartsRemaining = sessionStarts }
    }
    /// Sets the interaction deadline.
    public func setInteractionDeadline(_ deadline: Duration) { interactionDeadline = deadline }

    /// Adds a public thread under `parent` (as if a user made it) and, unless `silently`,
    /// dispatches THREAD_CREATE (silently: the bot learns of it only by asking REST).
    @discardableResult
    public func addThread(in parent: String, name: String = "thread", silently: Bool = false) -> String {
        let thread = FakeDiscordChannel(id: takeId(), type: 11, parentId: parent, guildId: guildId, name: name)
        channels[thread.id] = thread
        if !silently { dispatch("THREAD_CREATE", thread.json) }
        return thread.id
    }

    /// A user deletes thread `id` (THREAD_DELETE) or archives it (THREAD_UPDATE, archived).
    public func removeThread(_ id: String, archiveOnly: Bool = false) {
        guard let thread = channels[id] else { return }
        if archiveOnly {
            guard case .object(var json) = thread.json else { return }
            json["thread_metadata"] = ["archived": true, "auto_archive_duration": 1440, "locked": false]
            dispatch("THREAD_UPDATE", .object(json))
            return
        }
        channels[id] = nil
        messages[id] = nil
        dispatch("THREAD_DELETE", ["id": .string(id), "guild_id": .string(guildId), "parent_id": thread.parentId.map(JSONValue.string) ?? .null, "type": 11])
    }

    /// Makes the next message, thread, channel or DM call fail with `fault`.
    public func inject(_ fault: FakeDiscordFault) { faults.append(fault) }

    // MARK: Users' side

    /// A user posts `content` in `channel`: stored and dispatched as MESSAGE_CREATE (`twice`: the
    /// same event dispatched again, as a redelivery). Returns its id.
    @discardableResult
    public func postMessage(_ content: String, in channel: String, from user: String, isBot: Bool = false, twice: Bool = false) -> String {
        let message = FakeDiscordMessage(id: takeId(), channelId: channel, authorId: user, content: content, buttons: [], editCount: 0)
        messages[channel, default: []].append(message)
        var data = messageJSON(message, authorIsBot: isBot)
        if case .object(var object) = data, let guild = channels[channel]?.guildId {
            object["guild_id"] = .string(guild)
            data = .object(object)
        }
        dispatch("MESSAGE_CREATE", data)
        if twice { dispatch("MESSAGE_CREATE", data) }
        return message.id
    }

    /// A user presses the button `customId` under message `messageId`: an INTERACTION_CREATE is
    /// dispatched. Returns the interaction id.
    @discardableResult
    public func pressButton(_ customId: String, on messageId: String, in channel: String, by user: String) -> String {
        let id = takeId()
        let token = "itoken-\(id)"
        interactions[id] = Interaction(token: token, created: clock.now)
        var data: [String: JSONValue] = [
            "id": .string(id), "application_id": .string(applicationId), "type": 3, "token": .string(token), "version": 1,
            "channel_id": .string(channel), "data": ["custom_id": .string(customId), "component_type": 2],
            "message": ["id": .string(messageId), "channel_id": .string(channel)],
        ]
        if let info = channels[channel] { data["channel"] = info.json }
        if let guild = channels[channel]?.guildId {
            data["guild_id"] = .string(guild)
            data["member"] = ["user": ["id": .string(user), "username": "user"]]
        } else {
            data["user"] = ["id": .string(user), "username": "user"]
        }
        dispatch("INTERACTION_CREATE", JSONValue(data))
        return id
    }

    /// `user` accepts no direct messages from the bot: opening the DM works, a message into it
    /// answers 403 `50007 Cannot send messages to this user`, as Discord does.
    public func closeDirectMessages(of user: String) { closedDMs.insert(user) }

    /// True when `channel` is the DM of a user who accepts no direct messages.
    func refusesDirectMessages(_ channel: String) -> Bool {
        dmChannels.contains { closedDMs.contains($0.key) && $0.value == channel }
    }

    /// The DM channel between the bot and `user` (opened if needed), as the user would see it.
    public func directChannel(with user: String) -> String { dmChannel(for: user).id }

    /// A user invokes slash command `name` (with `subcommand` and string `options`): an
    /// INTERACTION_CREATE of type 2 is dispatched. Returns the interaction id.
    @discardableResult
    public func invokeCommand(_ name: String, subcommand: String? = nil, options: [String: String] = [:],
                              in channel: String, by user: String) -> String {
        let id = takeId()
        let token = "itoken-\(id)"
        interactions[id] = Interaction(token: token, created: clock.now)
        let values: [JSONValue] = options.sorted { $0.key < $1.key }.map { ["type": 3, "name": .string($0.key), "value": .string($0.value)] }
        let commandOptions: JSONValue = subcommand.map { .array([["type": 1, "name": .string($0), "options": .array(values)]]) } ?? .array(values)
        var data: [String: JSONValue] = [
            "id": .string(id), "application_id": .string(applicationId), "type": 2, "token": .string(token), "version": 1,
            "channel_id": .string(channel), "data": ["id": "1", "name": .string(name), "type": 1, "options": commandOptions],
        ]
        if let info = channels[channel] { data["channel"] = info.json }
        if let guild = channels[channel]?.guildId {
            data["guild_id"] = .string(guild)
            data["member"] = ["user": ["id": .string(user), "username": "user"]]
        } else {
            data["user"] = ["id": .string(user), "username": "user"]
        }
        dispatch("INTERACTION_CREATE", JSONValue(data))
        return id
    }

    // MARK: Reading

    /// The messages of `channel`, oldest first.
    public func messages(in channel: String) -> [FakeDiscordMessage] { messages[channel] ?? [] }
    /// Every message the bot sent, in order of id.
    public var botMessages: [FakeDiscordMessage] {
        messages.values.flatMap { $0 }.filter { $0.authorId == botUserId }.sorted { $0.id.count != $1.id.count ? $0.id.count < $1.id.count : $0.id < $1.id }
    }
    /// What the fake knows of `id`.
    public func channel(_ id: String) -> FakeDiscordChannel? { channels[id] }
    /// The threads under `parent`.
    public func threads(of parent: String) -> [FakeDiscordChannel] { channels.values.filter { $0.parentId == parent }.sorted { $0.id < $1.id } }

    // MARK: Helpers

    func takeId() -> String {
        nextId += 1
        return String(nextId)
    }

    func messageJSON(_ message: FakeDiscordMessage, authorIsBot: Bool) -> JSONValue {
        let rows: [JSONValue] = message.buttons.map { row in
            ["type": 1, "components": .array(row.map { ["type": 2, "style": 2, "label": .string($0.label), "custom_id": .string($0.customId)] })]
        }
        return ["id": .string(message.id), "channel_id": .string(message.channelId), "content": .string(message.content), "type": 0,
                "author": ["id": .string(message.authorId), "username": authorIsBot ? "fakebot" : "user", "bot": .bool(authorIsBot)],
                "components": .array(rows)]
    }

    /// Takes the next REST fault, if any.
    func takeFault() -> FakeDiscordFault? { faults.isEmpty ? nil : faults.removeFirst() }

    func record(request: String) { requests.append(request) }
    func recordExhausted(_ request: String) { requestsWhileExhausted.append(request) }
    func recordUnsafeMentions(_ request: String) { unsafeMentions.append(request) }
    func recordTooLong() { tooLong += 1 }
    func recordTyping(_ channel: String) { typing.append(channel) }
    func recordNonceRepeat() { nonceRepeats += 1 }
    func recordCommands(_ names: [String], guild: String) { commands[guild] = names }
    func recordAnswer(_ answer: FakeInteractionAnswer) { interactionAnswers.append(answer) }
    func recordIdentify(_ intents: Int) { identifies.append(intents) }
    func recordResume(_ session: String, _ sequence: Int64?, _ path: String) { resumes.append((session, sequence, path)) }
    func recordHeartbeat() { heartbeats += 1 }
    func recordDispatch(_ name: String) { sentDispatches.append(name) }
    func takeSessionStart() { sessionStartsRemaining -= 1 }
    func setBaseURL(_ url: String) { baseURL = url }

    func dmChannel(for user: String) -> FakeDiscordChannel {
        if let id = dmChannels[user], let channel = channels[id] { return channel }
        let channel = FakeDiscordChannel(id: takeId(), type: 1, parentId: nil, guildId: nil, name: "")
        channels[channel.id] = channel
        dmChannels[user] = channel.id
        return channel
    }
}
