import ACPControlPlane
import Bindings
import ChatCore
import JSONKit
import Logging
import Metrics

/// The gateway's events as the channel handles them: connection news, the channel directory
/// (GUILD_CREATE, CHANNEL_*, THREAD_*), messages handed to the router, conversations that go away.
extension DiscordChannel {

    func handle(_ event: GatewayEvent, group: inout DiscardingTaskGroup) async {
        switch event {
        case .dispatch(let name, let data):
            await dispatch(name, data, group: &group)
        case .ready, .resumed:
            if accountState != .connected { logger.notice("Discord gateway connected") }
            setState(.connected)
        case .disconnected(let code):
            setState(.reconnecting, error: code.map { "the gateway closed with \($0)" } ?? "the gateway connection dropped")
            Counter(label: "acpd_channel_reconnects_total",
                    dimensions: [("channel", "discord"), ("account", accountId ?? "default"), ("reason", code.map { "close_\($0)" } ?? "dropped")])
                .increment()
        case .failed(let failure):
            setState(.failed(failure), error: failure.message)
            logger.error("\(failure.message); this account stops until acpd restarts",
                         metadata: ["fix": "\(failure.fix(account: accountId ?? "default"))"])
        }
    }

    func dispatch(_ name: String, _ data: JSONValue, group: inout DiscardingTaskGroup) async {
        switch name {
        case "READY":
            let user = data["user"]?["id"]?.stringValue
            botUser.withLock { $0 = user }
            if let readyApplication = data["application"]?["id"]?.stringValue {
                let configured = application.withLock { current -> String? in
                    defer { if current == nil { current = readyApplication } }
                    return current
                }
                if let configured, configured != readyApplication {
                    logger.warning("applicationId in config does not match the bot's application",
                                   metadata: ["configured": "\(configured)", "bot": "\(readyApplication)"])
                }
            }
            logger.info("Discord session ready", metadata: ["bot": "\(user ?? "?")"])
            let first = commandsRegistered.withLock { done -> Bool in
                defer { done = true }
                return !done
            }
            if first { group.addTask { [self] in await registerCommands() } }
        case "GUILD_CREATE":
            let guild = data["id"]?.stringValue
            for key in ["channels", "threads"] {
                guard case .array(let list)? = data[key] else { continue }
                for item in list { if let info = DiscordChannelInfo(json: item, guildId: guild) { directory.record(info) } }
            }
        case "CHANNEL_CREATE", "CHANNEL_UPDATE", "THREAD_CREATE", "THREAD_UPDATE":
            guard let info = DiscordChannelInfo(json: data) else { return }
            let wasOpen = directory.info(info.id).map { !$0.archived } ?? (name == "THREAD_UPDATE")
            directory.record(info)
            if info.isThread, info.archived, wasOpen {
                logger.notice("Discord thread archived; its runtime binding ends", metadata: ["thread": "\(info.id)"])
                gone(info, "thread archived", group: &group)
            }
        case "THREAD_LIST_SYNC":
            guard case .array(let list)? = data["threads"] else { return }
            for item in list { if let info = DiscordChannelInfo(json: item, guildId: data["guild_id"]?.stringValue) { directory.record(info) } }
        case "THREAD_DELETE", "CHANNEL_DELETE":
            guard let id = data["id"]?.stringValue else { return }
            let known = directory.remove(id)
            let why = name == "THREAD_DELETE" ? "thread deleted" : "channel deleted"
            logger.notice(name == "THREAD_DELETE" ? "Discord thread deleted; its runtime binding ends" : "Discord channel deleted; its runtime binding ends",
                          metadata: ["channel": "\(id)"])
            if let info = DiscordChannelInfo(json: data) ?? known { gone(info, why, group: &group) }
        case "MESSAGE_CREATE":
            await message(data)
        case "INTERACTION_CREATE":
            group.addTask { [self] in await interaction(data) }
        default:
            break
        }
    }

    /// Tells the daemon that `info`'s conversation went away (off the gateway loop).
    func gone(_ info: DiscordChannelInfo, _ why: String, group: inout DiscardingTaskGroup) {
        guard let handler = conversationGone.withLock({ $0 }),
              let conversation = DiscordNormaliser.conversation(of: info, accountId: accountId ?? ConversationRef.defaultAccount) else { return }
        group.addTask { await handler(conversation, why) }
    }

    func message(_ data: JSONValue) async {
        let account = accountId ?? ConversationRef.defaultAccount
        let channelId = data["channel_id"]?.stringValue ?? ""
        var result = DiscordNormaliser.message(data, channel: directory.info(channelId), botUserId: botUserId, accountId: account)
        if case .needsChannel(let id) = result {
            do {
                if let info = DiscordChannelInfo(json: try await rest.channel(id)) { directory.record(info) }
            } catch {
                logger.warning("cannot look up a Discord channel; message dropped", metadata: ["channel": "\(id)", "error": "\(error)"])
                return
            }
            result = DiscordNormaliser.message(data, channel: directory.info(channelId), botUserId: botUserId, accountId: account)
        }
        switch result {
        case .message(let message):
            let spawn = message.text.hasPrefix("/acp spawn") ? message.platformMessageId : nil
            let key = message.conversation.conversationId
            if let spawn { spawnsInFlight.withLock { $0[key, default: []].append(spawn) } }
            queue.offer(message) { [self] outcome in
                if let spawn {
                    spawnsInFlight.withLock { inFlight in
                        inFlight[key]?.removeAll { $0 == spawn }
                        if inFlight[key]?.isEmpty == true { inFlight[key] = nil }
                    }
                }
                if outcome == nil { logger.warning("a Discord message was not handled", metadata: ["message": "\(message.idempotencyKey)"]) }
            }
        case .ignored(let why):
            logger.trace("message ignored", metadata: ["why": "\(why)"])
        case .needsChannel, .buttonPress, .command:
            logger.debug("message in a channel acpd cannot place; ignored", metadata: ["channel": "\(channelId)"])
        }
    }
}
