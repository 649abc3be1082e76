import JSONKit

/// A channel, thread or DM the fake knows.
public struct FakeDiscordChannel: Sendable, Equatable {
    public var id: String
    /// 0 text, 1 DM, 11 public thread.
    public var type: Int
    public var parentId: String?
    public var guildId: String?
    public var name: String

    var json: JSONValue {
        var object: [String: JSONValue] = ["id": .string(id), "type": .int(Int64(type)), "name": .string(name)]
        if let parentId { object["parent_id"] = .string(parentId) }
        if let guildId { object["guild_id"] = .string(guildId) }
        if [10, 11, 12].contains(type) { object["thread_metadata"] = ["archived": false, "auto_archive_duration": 1440, "locked": false] }
        return JSONValue(object)
    }
}

/// A message the fake stores (the bot's, and users' messages a test posted).
public struct FakeDiscordMessage: Sendable, Equatable {
    public var id: String
    public var channelId: String
    public var authorId: String
    public var content: String
    /// Rows of buttons.
    public var buttons: [[FakeDiscordButton]]
    public var editCount: Int
    /// The `nonce` it was created with (bot messages), for `enforce_nonce`.
    public var nonce: String? = nil
}

/// A button of a message's components.
public struct FakeDiscordButton: Sendable, Equatable {
    public var label: String
    public var customId: String
}

/// A REST fault on the next call to a message, thread, channel or DM route.
public enum FakeDiscordFault: Sendable, Equatable {
    /// 429 with `retry_after` (seconds, fractional), the bucket's or the global one; nothing applied.
    case tooManyRequests(retryAfter: Duration, global: Bool)
    /// 502, nothing applied.
    case serverError
    /// Applied, then the answer is held for `holdFor` (longer than the client waits).
    case lostAnswer(holdFor: Duration)
}

/// Something the fake gateway does to the current socket now.
public enum FakeGatewayFault: Sendable, Equatable {
    /// op 7 RECONNECT.
    case reconnect
    /// op 9 INVALID_SESSION with `d` = `resumable`.
    case invalidSession(resumable: Bool)
    /// The TCP connection is closed without a close frame.
    case dropSocket
    /// A close frame with `code` (4004, 4014, 4000, …).
    case close(code: UInt16)
    /// Heartbeats are no longer acknowledged on this socket (a zombie connection).
    case stopAcks
}

/// One interaction callback or follow-up the fake received.
public struct FakeInteractionAnswer: Sendable, Equatable {
    public var interactionId: String
    /// Callback type (4, 5, 6, 7), or 0 for a follow-up message.
    public var type: Int
    public var content: String?
    /// Whether it was ephemeral (flags 64).
    public var ephemeral: Bool
    /// How long after the interaction was created it arrived.
    public var after: Duration
    /// Whether the fake refused it (after the 3-second deadline, or acknowledged twice).
    public var refused: Bool
}
