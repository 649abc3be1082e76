import ACPControlPlane

/// Turns a schema-checked `ConfigValue` into an `ACPDConfig`, applying the rules that span
/// several keys (CONTRACT.md §3). Every rule is checked and every failure reported with its path;
/// a part that already failed the schema check is skipped so one mistake is reported once.
struct ConfigBuilder {
    let root: ConfigValue
    let baseDirectory: String
    let file: String?
    /// Issues of the schema check; parts under these paths are not checked again.
    let structuralIssues: [ConfigIssue]
    private(set) var issues: [ConfigIssue] = []

    init(root: ConfigValue, baseDirectory: String, file: String?, structuralIssues: [ConfigIssue]) {
        self.root = root
        self.baseDirectory = baseDirectory
        self.file = file
        self.structuralIssues = structuralIssues
    }

    /// The config, or nil when any issue (structural or from these rules) was found.
    mutating func build() -> ACPDConfig? {
        let acp = buildACP(root["acp"] ?? .object([:]))
        let agents = buildAgents(root["agents"]?.object ?? [:], acp: acp)
        checkAgentReferences(acp: acp, agents: agents)
        let channels = buildChannels(root["channels"] ?? .object([:]))
        let bindings = buildBindings(root["bindings"]?.array ?? [], acp: acp, agents: agents, channels: channels)
        let access = buildAccess(root["access"] ?? .object([:]))
        let api = buildAPI(root["api"] ?? .object([:]))
        let stateDir = absolutePath(root["stateDir"]?.string ?? "./.acpd", at: ConfigPath.root.key("stateDir"))
        let retention = root["store"]?["retention"]
        let storeRetention = StoreRetention(eventsDays: retention?["eventsDays"]?.integer ?? 14,
                                            runsDays: retention?["runsDays"]?.integer ?? 90,
                                            auditDays: root["audit"]?["retentionDays"]?.integer ?? 90)
        guard structuralIssues.isEmpty, issues.isEmpty else { return nil }
        var config = ACPDConfig(file: file, baseDirectory: baseDirectory, stateDir: stateDir, storeRetention: storeRetention, acp: acp, agents: agents,
                          acpxCommand: root["acpx"]?["command"]?.string ?? "acpx", bindings: bindings,
                          channels: channels, access: access, api: api)
        config.log = LogSettings(format: root["log"]?["format"]?.string ?? "text", level: root["log"]?["level"]?.string)
        return config
    }

    // MARK: - Sections

    private mutating func buildACP(_ value: ConfigValue) -> ACPSettings {
        let path = ConfigPath.root.key("acp")
        let roots = (value["workspaceRoots"]?.strings ?? []).enumerated().map { offset, root in
            absolutePath(root, at: path.key("workspaceRoots").index(offset))
        }
        return ACPSettings(
            enabled: value["enabled"]?.boolean ?? true,
            dispatchEnabled: value["dispatch"]?["enabled"]?.boolean ?? true,
            backend: value["backend"]?.string ?? "stdio",
            defaultAgent: value["defaultAgent"]?.string,
            allowedAgents: value["allowedAgents"]?.strings ?? [],
            maxConcurrentSessions: value["maxConcurrentSessions"]?.integer ?? 16,
            turnTimeoutSeconds: value["turnTimeoutSeconds"]?.integer ?? 1800,
            runtimeTTLMinutes: value["runtime"]?["ttlMinutes"]?.integer ?? 60,
            idempotencyTTLHours: value["idempotency"]?["ttlHours"]?.integer ?? 24,
            runtimeBindings: RuntimeBindingPolicy(idleHours: value["runtimeBindings"]?["idleHours"]?.integer ?? 24,
                                                  maxAgeHours: value["runtimeBindings"]?["maxAgeHours"]?.integer ?? 0),
            stream: StreamSettings(
                deliveryMode: value["stream"]?["deliveryMode"]?.string.flatMap(StreamSettings.DeliveryMode.init) ?? .live,
                coalesceIdleMs: value["stream"]?["coalesceIdleMs"]?.integer ?? 350,
                maxChunkChars: value["stream"]?["maxChunkChars"]?.integer ?? 1800,
                maxOutputChars: value["stream"]?["maxOutputChars"]?.integer ?? 24000,
                showToolCalls: value["stream"]?["showToolCalls"]?.boolean ?? true,
                showThoughts: value["stream"]?["showThoughts"]?.boolean ?? false),
            permissions: PermissionSettings(
                mode: value["permissions"]?["mode"]?.string.flatMap(PermissionSettings.Mode.init) ?? .ask,
                timeoutSeconds: value["permissions"]?["timeoutSeconds"]?.integer ?? 600),
            workspaceRoots: roots,
            envPassthrough: value["env"]?["passthrough"]?.strings ?? ["PATH", "HOME", "LANG"])
    }

    private mutating func buildAgents(_ values: [String: ConfigValue], acp: ACPSettings) -> [String: AgentConfig] {
        var agents: [String: AgentConfig] = [:]
        for (id, value) in values.sorted(by: { $0.key < $1.key }) {
            let path = ConfigPath.root.key("agents").key(id)
            let cwdPath = path.key("cwd")
            let cwd = absolutePath(value["cwd"]?.string ?? ".", at: cwdPath)
            if !hasStructuralIssue(within: cwdPath), !PathRules.isAllowed(cwd, roots: acp.workspaceRoots) {
                let origin = value["cwd"] == nil ? " (the config file's directory, as agents.\(id).cwd is not set)" : ""
                report(cwdPath, "\(cwd)\(origin) lies outside acp.workspaceRoots; expected a directory under \(acp.workspaceRoots.joined(separator: " or "))")
            }
            agents[id] = AgentConfig(
                id: id, command: value["command"]?.strings ?? [], cwd: cwd,
                env: (value["env"]?.object ?? [:]).compactMapValues(\.string),
                mode: value["mode"]?.string.flatMap(SessionMode.init) ?? .persistent,
                backend: value["backend"]?.string ?? acp.backend,
                authMethod: value["authMethod"]?.string)
        }
        return agents
    }

    /// `acp.defaultAgent` and `acp.allowedAgents` name declared agents; the default is allowed.
    private mutating func checkAgentReferences(acp: ACPSettings, agents: [String: AgentConfig]) {
        let path = ConfigPath.root.key("acp")
        for (offset, id) in acp.allowedAgents.enumerated() where agents[id] == nil {
            report(path.key("allowedAgents").index(offset), undeclaredAgent(id, agents))
        }
        if let id = acp.defaultAgent {
            if agents[id] == nil {
                report(path.key("defaultAgent"), undeclaredAgent(id, agents))
            } else if !acp.allows(agent: id) {
                report(path.key("defaultAgent"), "agent \"\(id)\" is not in acp.allowedAgents; expected one of \(acp.allowedAgents.joined(separator: ", "))")
            }
        }
    }

    private mutating func buildChannels(_ value: ConfigValue) -> ChannelsConfig {
        var telegram: [String: ChannelsConfig.TelegramAccount] = [:]
        for (id, account) in value["telegram"]?["accounts"]?.object ?? [:] {
            telegram[id] = .init(botToken: Secret(account["botToken"]?.string ?? ""),
                                 apiRoot: account["apiRoot"]?.string ?? "https://api.telegram.org",
                                 enabled: account["enabled"]?.boolean ?? true,
                                 pollTimeoutSeconds: account["pollTimeoutSeconds"]?.integer ?? 30,
                                 drafts: account["drafts"]?.boolean ?? false)
        }
        var discord: [String: ChannelsConfig.DiscordAccount] = [:]
        for (id, account) in (value["discord"]?["accounts"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            let appPath = ConfigPath.root.key("channels").key("discord").key("accounts").key(id).key("applicationId")
            let applicationId = account["applicationId"]?.string
            if let applicationId, !DiscordConversationID.isSnowflake(applicationId) {
                report(appPath, "\(ConfigValue.quoted(applicationId)) is not a snowflake; expected digits only (e.g. 111111111111111111)")
            }
            let guildsPath = ConfigPath.root.key("channels").key("discord").key("accounts").key(id).key("commandGuilds")
            let guilds = account["commandGuilds"]?.strings ?? []
            for (offset, guild) in guilds.enumerated() where !DiscordConversationID.isSnowflake(guild) {
                report(guildsPath.index(offset), "\(ConfigValue.quoted(guild)) is not a snowflake; expected digits only (e.g. 333333333333333333)")
            }
            discord[id] = .init(botToken: Secret(account["botToken"]?.string ?? ""),
                                apiBase: account["apiBase"]?.string ?? "https://discord.com/api/v10",
                                applicationId: applicationId, enabled: account["enabled"]?.boolean ?? true, commandGuilds: guilds)
        }
        return ChannelsConfig(telegram: telegram, discord: discord, httpEnabled: value["http"]?["enabled"]?.boolean ?? false)
    }

    private mutating func buildAccess(_ value: ConfigValue) -> AccessConfig {
        let path = ConfigPath.root.key("access")
        func senders(_ key: String) -> [SenderRef] {
            (value[key]?.strings ?? []).enumerated().compactMap { offset, text in
                sender(text, at: path.key(key).index(offset))
            }
        }
        return AccessConfig(
            owners: senders("owners"), allowFrom: senders("allowFrom"),
            unknownSenders: value["unknownSenders"]?.string.flatMap(AccessConfig.UnknownSenders.init) ?? .strict,
            secret: value["secret"]?.string.map(Secret.init),
            authTTLSeconds: value["authTtlSeconds"]?.integer ?? 600,
            rateLimit: .init(perMinute: value["rateLimit"]?["perMinute"]?.integer ?? 10,
                             burst: value["rateLimit"]?["burst"]?.integer ?? 3))
    }

    /// `<channel>:<id>` with the id in that channel's form (the schema already checked the shape).
    mutating func sender(_ text: String, at path: ConfigPath) -> SenderRef? {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let channel = ConversationRef.Channel(String(parts[0])), id = String(parts[1])
        let valid: Bool, expected: String
        switch channel {
        case .telegram:
            valid = TelegramConversationID.canonicalInteger(Substring(id)).map { $0 != 0 } ?? false
            expected = "telegram:<user id> (e.g. telegram:111)"
        case .discord:
            valid = DiscordConversationID.isSnowflake(id)
            expected = "discord:<user snowflake> (e.g. discord:222222222222222222)"
        case .http:
            valid = OpaqueConversationID.isValid(id)
            expected = "http:<senderId> with \(OpaqueConversationID.expectedForm)"
        default:
            valid = true
            expected = ""
        }
        guard valid else {
            report(path, "\(ConfigValue.quoted(text)) is not a sender; expected \(expected)")
            return nil
        }
        return SenderRef(channel: channel, id: id)
    }

    private mutating func buildAPI(_ value: ConfigValue) -> APIConfig {
        let path = ConfigPath.root.key("api")
        let listen = value["listen"]?.string ?? "127.0.0.1:7878"
        let token = value["token"]?.string.map(Secret.init)
        var host = "127.0.0.1", port = 7878
        if let colon = listen.lastIndex(of: ":") {
            host = String(listen[..<colon]).trimmingCharacters(in: "[]")
            port = Int(listen[listen.index(after: colon)...]) ?? 0
        }
        if !hasStructuralIssue(within: path.key("listen")) {
            if !(1...65535).contains(port) {
                report(path.key("listen"), "port \(port) is out of range; expected <host>:<port> with a port from 1 to 65535")
            } else if token == nil, !LoopbackHost.isLoopback(host) {
                report(path.key("token"), "required when api.listen (\(listen)) is not a loopback address (127.x.y.z, [::1] or localhost; a name is not, whatever it resolves to); set api.token (e.g. \"${ACPD_API_TOKEN}\")")
            }
        }
        return APIConfig(listen: listen, host: host, port: port, token: token,
                         headerTimeoutSeconds: value["headerTimeoutSeconds"]?.integer ?? 10,
                         idleTimeoutSeconds: value["idleTimeoutSeconds"]?.integer ?? 60,
                         maxConnections: value["maxConnections"]?.integer ?? 256)
    }

    // MARK: - Helpers

    /// An absolute, normalised path; `~` is refused (it is not expanded) with the fix.
    mutating func absolutePath(_ text: String, at path: ConfigPath) -> String {
        if text.hasPrefix("~") {
            report(path, "\(ConfigValue.quoted(text)): ~ is not expanded; expected an absolute path or one relative to the config file (e.g. ${HOME}/repo)")
        }
        return PathRules.absolute(text, relativeTo: baseDirectory)
    }

    func hasStructuralIssue(within path: ConfigPath) -> Bool {
        structuralIssues.contains { $0.path.isWithin(path) || path.isWithin($0.path) }
    }

    mutating func report(_ path: ConfigPath, _ message: String) {
        issues.append(ConfigIssue(path: path, message: message))
    }

    func undeclaredAgent(_ id: String, _ agents: [String: AgentConfig]) -> String {
        let declared = agents.keys.sorted()
        return "agent \"\(id)\" is not declared under agents; expected one of: "
            + (declared.isEmpty ? "(none declared)" : declared.joined(separator: ", "))
    }
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
