/// The invite URL `acpd setup discord` prints: the `bot` and `applications.commands` scopes and
/// exactly the permissions acpd uses (docs/discord.md).
enum DiscordInvite {
    /// Each permission acpd needs, with its bit (Discord's permission flags).
    static let permissions: [(name: String, bit: Int)] = [
        ("View Channels", 10),
        ("Send Messages", 11),
        ("Send Messages in Threads", 38),
        ("Create Public Threads", 35),
        ("Manage Threads", 34),
        ("Read Message History", 16),
        ("Add Reactions", 6),
    ]

    /// The permissions integer.
    static var permissionsValue: UInt64 { permissions.reduce(0) { $0 | (UInt64(1) << UInt64($1.bit)) } }

    /// The URL that adds application `applicationId`'s bot to a server.
    static func url(applicationId: String) -> String {
        "https://discord.com/oauth2/authorize?client_id=\(applicationId)&scope=bot+applications.commands&permissions=\(permissionsValue)"
    }
}
