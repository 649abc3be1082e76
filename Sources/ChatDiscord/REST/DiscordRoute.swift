import NIOHTTP1

/// One REST call's route: its method and path, the route it counts against for rate limits
/// (`template`, the path with ids replaced) and its major parameter (the channel, guild or
/// webhook id, which splits a bucket: https://discord.com/developers/docs/topics/rate-limits).
public struct DiscordRoute: Sendable, Equatable {
    public var method: HTTPMethod
    /// The path below `apiBase`, e.g. `/channels/123/messages`.
    public var path: String
    /// The path with parameters named, e.g. `/channels/{channel}/messages`.
    public var template: String
    /// The major parameter's value ("" when the route has none).
    public var major: String
    /// A short name for metrics and logs (`createMessage`).
    public var name: String

    /// A route.
    public init(_ method: HTTPMethod, _ path: String, template: String, major: String = "", name: String) {
        self.method = method
        self.path = path
        self.template = template
        self.major = major
        self.name = name
    }

    /// The key of the route's bucket before Discord named it: method and template.
    var routeKey: String { "\(method.rawValue) \(template)" }
}

extension DiscordRoute {
    static func currentUser() -> DiscordRoute { .init(.GET, "/users/@me", template: "/users/@me", name: "getCurrentUser") }
    static func currentApplication() -> DiscordRoute {
        .init(.GET, "/oauth2/applications/@me", template: "/oauth2/applications/@me", name: "getCurrentApplication")
    }
    static func gatewayBot() -> DiscordRoute { .init(.GET, "/gateway/bot", template: "/gateway/bot", name: "getGatewayBot") }
    static func channel(_ id: String) -> DiscordRoute {
        .init(.GET, "/channels/\(id)", template: "/channels/{channel}", major: id, name: "getChannel")
    }
    static func deleteChannel(_ id: String) -> DiscordRoute {
        .init(.DELETE, "/channels/\(id)", template: "/channels/{channel}", major: id, name: "deleteChannel")
    }
    static func createMessage(_ channel: String) -> DiscordRoute {
        .init(.POST, "/channels/\(channel)/messages", template: "/channels/{channel}/messages", major: channel, name: "createMessage")
    }
    static func editMessage(_ channel: String, _ message: String) -> DiscordRoute {
        .init(.PATCH, "/channels/\(channel)/messages/\(message)", template: "/channels/{channel}/messages/{message}",
              major: channel, name: "editMessage")
    }
    static func deleteMessage(_ channel: String, _ message: String) -> DiscordRoute {
        .init(.DELETE, "/channels/\(channel)/messages/\(message)", template: "/channels/{channel}/messages/{message}",
              major: channel, name: "deleteMessage")
    }
    static func startThread(_ channel: String) -> DiscordRoute {
        .init(.POST, "/channels/\(channel)/threads", template: "/channels/{channel}/threads", major: channel, name: "startThread")
    }
    static func startThread(_ channel: String, fromMessage message: String) -> DiscordRoute {
        .init(.POST, "/channels/\(channel)/messages/\(message)/threads", template: "/channels/{channel}/messages/{message}/threads",
              major: channel, name: "startThreadFromMessage")
    }
    static func typing(_ channel: String) -> DiscordRoute {
        .init(.POST, "/channels/\(channel)/typing", template: "/channels/{channel}/typing", major: channel, name: "triggerTyping")
    }
    static func openDM() -> DiscordRoute { .init(.POST, "/users/@me/channels", template: "/users/@me/channels", name: "createDM") }
    static func interactionCallback(_ id: String, _ token: String) -> DiscordRoute {
        .init(.POST, "/interactions/\(id)/\(token)/callback", template: "/interactions/{interaction}/{token}/callback",
              major: id, name: "interactionCallback")
    }
    static func editOriginal(_ application: String, _ token: String) -> DiscordRoute {
        .init(.PATCH, "/webhooks/\(application)/\(token)/messages/@original", template: "/webhooks/{application}/{token}/messages/@original",
              major: "\(application)/\(token)", name: "editOriginalResponse")
    }
    static func followup(_ application: String, _ token: String) -> DiscordRoute {
        .init(.POST, "/webhooks/\(application)/\(token)", template: "/webhooks/{application}/{token}",
              major: "\(application)/\(token)", name: "createFollowup")
    }
    static func commands(_ application: String, guild: String?) -> DiscordRoute {
        if let guild {
            return .init(.PUT, "/applications/\(application)/guilds/\(guild)/commands", template: "/applications/{application}/guilds/{guild}/commands",
                         major: guild, name: "bulkOverwriteGuildCommands")
        }
        return .init(.PUT, "/applications/\(application)/commands", template: "/applications/{application}/commands", name: "bulkOverwriteGlobalCommands")
    }
}
