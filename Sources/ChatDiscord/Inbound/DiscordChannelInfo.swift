import JSONKit

/// What acpd needs to know of a Discord channel or thread to name its conversation: its type,
/// its parent (for a thread) and its guild (none for a DM).
public struct DiscordChannelInfo: Sendable, Equatable {
    public var id: String
    /// Discord channel type: 0 text, 1 DM, 3 group DM, 5 announcement, 10-12 threads, 15 forum, …
    public var type: Int
    public var parentId: String?
    public var guildId: String?
    /// For a thread: whether it is archived.
    public var archived: Bool

    /// A channel.
    public init(id: String, type: Int, parentId: String? = nil, guildId: String? = nil, archived: Bool = false) {
        self.id = id
        self.type = type
        self.parentId = parentId
        self.guildId = guildId
        self.archived = archived
    }

    /// Decodes a channel object (`id`, `type`, `parent_id`, `guild_id`, `thread_metadata.archived`);
    /// `guildId` fills a missing `guild_id` (channels inside GUILD_CREATE omit it).
    public init?(json: JSONValue, guildId: String? = nil) {
        guard let id = json["id"]?.stringValue, case .int(let type)? = json["type"] else { return nil }
        self.id = id
        self.type = Int(type)
        parentId = json["parent_id"]?.stringValue
        self.guildId = json["guild_id"]?.stringValue ?? guildId
        archived = if case .bool(true)? = json["thread_metadata"]?["archived"] { true } else { false }
    }

    /// Whether it is a thread (types 10, 11, 12).
    public var isThread: Bool { [10, 11, 12].contains(type) }
}
