import Synchronization

/// The channels and threads the gateway told this account about (GUILD_CREATE, CHANNEL_* and
/// THREAD_* dispatches) or that REST looked up: enough to give a thread message its parent.
final class ChannelDirectory: Sendable {
    private let channels = Mutex<[String: DiscordChannelInfo]>([:])

    /// What is known of `id`.
    func info(_ id: String) -> DiscordChannelInfo? { channels.withLock { $0[id] } }

    /// Records `info` (a later record replaces an earlier one).
    func record(_ info: DiscordChannelInfo) { channels.withLock { $0[info.id] = info } }

    /// Forgets `id`; returns what was known.
    @discardableResult
    func remove(_ id: String) -> DiscordChannelInfo? { channels.withLock { $0.removeValue(forKey: id) } }

    /// How many are known.
    var count: Int { channels.withLock { $0.count } }
}
