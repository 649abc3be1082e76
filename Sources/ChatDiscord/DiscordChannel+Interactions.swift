import ACPControlPlane
import Bindings
import ChatCore
import JSONKit
import Logging

/// Interactions (button presses, slash commands) and the registration of the slash commands.
extension DiscordChannel {
    /// An interaction: a button press or an application command; anything else is answered
    /// ephemerally so no client shows "This interaction failed".
    func interaction(_ data: JSONValue) async {
        let account = accountId ?? ConversationRef.defaultAccount
        let channelId = data["channel_id"]?.stringValue ?? ""
        let known = directory.info(channelId)
        let normalised = if case .int(2)? = data["type"] {
            DiscordNormaliser.command(data, knownChannel: known, accountId: account)
        } else {
            DiscordNormaliser.buttonPress(data, knownChannel: known, accountId: account)
        }
        switch normalised {
        case .command(let message, let id, let interactionToken):
            // Deferred and ephemeral within Discord's 3 seconds, then answered by editing the
            // original response with the command's reply (the router does not post it again:
            // `repliesInline`); a reply past 2000 characters continues in ephemeral follow-ups.
            do {
                try await rest.interactionCallback(id: id, token: interactionToken, type: 5, data: ["flags": 64])
            } catch {
                logger.warning("cannot acknowledge a command", metadata: ["error": "\(error)"])
                return
            }
            let outcome = await queue.submit(message)
            guard let app = applicationId ?? data["application_id"]?.stringValue else { return }
            let answer = outcome?.reply ?? Self.notice(for: outcome) ?? "Done: `\(message.text)`."
            let parts = TextSplitter(limit: capabilities.maxMessageLength).split(answer)
            do {
                try await rest.editOriginalResponse(application: app, token: interactionToken, content: parts.first ?? answer)
                for part in parts.dropFirst() {
                    try await rest.createFollowup(application: app, token: interactionToken, content: part, ephemeral: true)
                }
            } catch {
                logger.warning("cannot answer a command", metadata: ["error": "\(error)"])
            }
        case .buttonPress(let message, let id, let interactionToken):
            do {
                try await rest.interactionCallback(id: id, token: interactionToken, type: 6)
            } catch {
                logger.warning("cannot acknowledge a button press", metadata: ["error": "\(error)"])
            }
            let outcome = await queue.submit(message)
            if let notice = Self.notice(for: outcome) {
                await followup(token: interactionToken, data: data, text: notice)
            }
        case .ignored(let why):
            // Answer every interaction so no client shows "This interaction failed".
            if let id = data["id"]?.stringValue, let interactionToken = data["token"]?.stringValue {
                try? await rest.interactionCallback(id: id, token: interactionToken, type: 4,
                                                    data: ["content": "This does nothing here; type the command instead.", "flags": 64,
                                                           "allowed_mentions": ["parse": []]])
            }
            logger.debug("interaction ignored", metadata: ["why": "\(why)"])
        case .message, .needsChannel:
            break
        }
    }

    /// Registers `/acp`, `/new` and `/reset` (bulk overwrite) in `commandGuilds`, else globally.
    /// Best effort: a failure is logged, and text commands work regardless.
    func registerCommands() async {
        guard let app = applicationId else {
            logger.notice("no application id: slash commands are not registered (text commands work)")
            return
        }
        let definitions = ApplicationCommands.definitions()
        let guilds: [String?] = options.commandGuilds.isEmpty ? [nil] : options.commandGuilds.map { $0 }
        for guild in guilds {
            do {
                try await rest.overwriteCommands(application: app, guild: guild, commands: definitions)
            } catch {
                logger.warning("cannot register the slash commands", metadata: ["guild": "\(guild ?? "global")", "error": "\(error)"])
            }
        }
    }

    func followup(token interactionToken: String, data: JSONValue, text: String) async {
        guard let app = applicationId ?? data["application_id"]?.stringValue else { return }
        do {
            try await rest.createFollowup(application: app, token: interactionToken, content: text, ephemeral: true)
        } catch {
            logger.warning("cannot answer a button press", metadata: ["error": "\(error)"])
        }
    }

    /// The ephemeral notice for whoever pressed a button, or nil when it worked.
    static func notice(for outcome: InboundOutcome?) -> String? {
        guard let outcome else { return "Could not handle this now: try again." }
        switch outcome.refusal {
        case .rateLimited?: return "Rate limited: try again later."
        case .inProgress?: return "Still working on the previous press."
        case .keyConflict?: return "This press was already handled."
        case nil: return outcome.notice ?? (outcome.accepted ? nil : "Not allowed.")
        }
    }
}
