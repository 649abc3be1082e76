import ChatDiscord
import JSONKit
import Logging

/// The Discord side of `acpd setup discord`: the token (`/users/@me`), the application id
/// (`/oauth2/applications/@me`), then one gateway connection with acpd's intents that both
/// checks the Message Content intent (a 4014 close names the fix) and waits for the next message.
/// It uses one identify of the bot's daily session start limit.
struct DiscordDiscovery {
    let rest: DiscordREST
    let token: String

    /// What the REST checks found.
    struct Bot {
        var id: String
        var username: String
        var applicationId: String
    }

    /// Checks the token and reads the application id.
    func bot() async throws(SetupError) -> Bot {
        let user: JSONValue
        do { user = try await rest.currentUser() } catch {
            if case .api(401, _, _, _, _) = error {
                throw SetupError(description: "/users/@me answered 401: Discord rejected the token; copy it again (developer portal → your application → Bot → Reset Token)")
            }
            throw SetupError(description: "/users/@me failed: \(redact(error.description))")
        }
        let application: JSONValue
        do { application = try await rest.currentApplication() } catch {
            throw SetupError(description: "/oauth2/applications/@me failed: \(redact(error.description))")
        }
        guard let id = user["id"]?.stringValue, let applicationId = application["id"]?.stringValue else {
            throw SetupError(description: "Discord answered without the bot's or the application's id")
        }
        return Bot(id: id, username: user["username"]?.stringValue ?? "?", applicationId: applicationId)
    }

    /// Connects, reports READY through `connected`, and returns the conversation of the first
    /// message from a person within `seconds`.
    func next(seconds: Int, connected: @escaping @Sendable () -> Void) async throws(SetupError) -> DiscoveredChat {
        var options = GatewayConnection.Options()
        options.backoff = ReconnectBackoff(base: .milliseconds(500), cap: .seconds(5))
        var logger = Logger(label: "acpd.setup.discord")
        logger.logLevel = .critical
        let rest = rest
        let connection = GatewayConnection(token: token, options: options, logger: logger) { try await rest.gatewayForConnection() }
        let outcome: Result<DiscoveredChat, SetupError> = await withTaskGroup(of: Result<DiscoveredChat, SetupError>?.self) { group in
            group.addTask { await connection.run(); return nil }
            group.addTask {
                for await event in connection.events {
                    switch event {
                    case .ready: connected()
                    case .failed(let failure):
                        return .failure(SetupError(description: "\(failure.message)\n  fix: \(failure.fix(account: "default"))"))
                    case .dispatch("MESSAGE_CREATE", let data):
                        if data["author"]?["bot"] == .bool(true) { continue }
                        if let chat = await Self.describe(data, rest: rest) { return .success(chat) }
                    default: continue
                    }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return .failure(SetupError(description: "no message reached the bot within \(seconds) s; send one in a channel the bot can see (is it invited? see the URL above), or pass --timeout"))
            }
            var outcome = Result<DiscoveredChat, SetupError>.failure(SetupError(description: "the gateway connection ended"))
            while let next = await group.next() {
                if let next {
                    outcome = next
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
        return try outcome.get()
    }

    /// Where a MESSAGE_CREATE came from (its channel asked from REST: type, name, parent).
    static func describe(_ data: JSONValue, rest: DiscordREST) async -> DiscoveredChat? {
        guard let channelId = data["channel_id"]?.stringValue else { return nil }
        let json = try? await rest.channel(channelId)
        let info = json.flatMap { DiscordChannelInfo(json: $0, guildId: data["guild_id"]?.stringValue) }
            ?? DiscordChannelInfo(id: channelId, type: data["guild_id"] == nil ? 1 : 0, guildId: data["guild_id"]?.stringValue)
        guard let conversation = DiscordNormaliser.conversation(of: info, accountId: "default") else { return nil }
        let name = json?["name"]?.stringValue.map { "#" + $0 } ?? "channel"
        var lines: [String]
        if info.isThread {
            lines = ["thread: \(name) (id \(info.id)) in channel \(info.parentId ?? "?")"]
        } else if info.guildId == nil {
            lines = ["direct message (channel id \(info.id))"]
        } else {
            lines = ["channel: \(name) (id \(info.id))"]
        }
        if let guild = info.guildId { lines.append("server: id \(guild)") }
        let author = data["author"]
        let user = author?["id"]?.stringValue
        lines.append("sender: \(author?["username"]?.stringValue ?? "?") (id \(user ?? "?"))")
        if let content = data["content"]?.stringValue {
            lines.append(content.isEmpty ? "message: (empty: is the Message Content intent on?)" : "message: \(content.prefix(80))")
        }
        return DiscoveredChat(channel: "discord", peerKind: info.guildId == nil ? "direct" : "channel",
                              conversationId: conversation.conversationId, description: lines, sender: user.map { "discord:\($0)" })
    }

    private func redact(_ text: String) -> String { ChannelChecks.redact(text, token: token) }
}
