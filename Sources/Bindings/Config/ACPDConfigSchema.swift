/// The acpd config file (CONTRACT.md §3) as a `ConfigSchema`: the one source of the validator,
/// `acpd config schema` and `docs/config.md`.
enum ACPDConfigSchema {
    static let backends = ["stdio", "acpx"]
    static let modes = ["persistent", "oneshot"]
    static let channels = ["telegram", "discord", "http", "console"]

    static let root: ConfigSchema = object("The acpd config file.", [
        optional("stateDir", string(.path, "Directory of the SQLite store (`<stateDir>/acpd.sqlite`). A relative path is resolved against the config file's directory.", default: .string("./.acpd"))),
        optional("store", object("The store.", [
            optional("retention", object("What the store keeps of finished runs; pruned in the background in small batches, never an active or undelivered run.", [
                optional("eventsDays", integer("The events (agent output) of a run are deleted this many days after it ended and was delivered; the run stays. A session's own events (closed, reset) older than this go too, but its latest.", 14, ConfigLimits.retentionDays)),
                optional("runsDays", integer("A run is deleted this many days after it ended and was delivered, with its checkpoints and the messages the http channel keeps of it. Bindings that ended this long ago go too, and a session closed this long ago once it has no run left.", 90, ConfigLimits.retentionDays)),
            ])),
        ])),
        optional("acp", acp),
        optional("agents", ConfigSchema(.map(key: .identifier, value: agent),
                                        doc: "The ACP agents acpd may start, by id. The id appears in session keys.",
                                        default: .object([:]))),
        optional("acpx", object("The `acpx` CLI, used only by the `acpx` backend.", [
            optional("command", string(.nonEmpty, "The `acpx` executable; resolved on PATH when it has no `/`.", default: .string("acpx"))),
        ])),
        optional("bindings", ConfigSchema(.array(binding, minItems: 0),
                                          doc: "Conversations pinned to agents. See the rules below.", default: .array([]))),
        optional("channels", channelsSchema),
        optional("access", access),
        optional("audit", object("The audit log of commands and permission and pairing decisions (`acpd audit`, `GET /v1/audit`).", [
            optional("retentionDays", integer("An audit log row is deleted this many days after it was written (in the background, in small batches).", 90, ConfigLimits.retentionDays)),
        ])),
        optional("api", object("The HTTP API (CONTRACT.md §7).", [
            optional("listen", string(.hostPort, "Address of the HTTP API. Without `api.token` it must be a loopback address: an IPv4 address in 127.0.0.0/8, `[::1]` or `localhost` (any other name needs a token, even one that resolves to 127.0.0.1).", default: .string("127.0.0.1:7878"))),
            optional("token", string(.nonEmpty, "Bearer token required on every endpoint but the health checks.", secret: true)),
            optional("headerTimeoutSeconds", integer("A connection's request head (request line and headers) must arrive within this long of its first byte (of the connection's opening, for its first request); else the connection is closed.", 10, ConfigLimits.apiHeaderTimeoutSeconds)),
            optional("idleTimeoutSeconds", integer("A connection with no request in progress and nothing received for this long is closed (event streams in progress are not idle).", 60, ConfigLimits.apiIdleTimeoutSeconds)),
            optional("maxConnections", integer("Open connections at once. Over it, a new connection replaces the longest-waiting one without a request in progress, or is closed at once when every connection is busy.", 256, ConfigLimits.apiMaxConnections)),
        ])),
        optional("log", object("acpd's own log on stderr, when the command line does not say (`--log-format`, `--log-level` win). Read at start; a reload does not change it.", [
            optional("format", enumeration(LogSettings.formats, "`text` (swift-log's lines) or `json` (one object per line: time, level, label, message and the correlation fields channel, account, conversation, sender, command, session, run).", default: "text")),
            optional("level", enumeration(LogSettings.levels, "The lowest level written.", defaultDoc: "`info` for `acpd run`, `warning` for `acpd chat`")),
        ])),
    ])

    static let acp: ConfigSchema = object("Defaults and limits of ACP sessions.", [
        optional("enabled", bool("`false`: no ACP sessions at all.", true)),
        optional("dispatch", object("Dispatch of plain messages.", [
            optional("enabled", bool("`false`: commands work, plain messages are not sent to agents.", true)),
        ])),
        optional("backend", enumeration(backends, "Default runtime backend id.", default: "stdio")),
        optional("defaultAgent", string(.identifier, "Agent for `/acp spawn` without an agent argument; must be declared under `agents`.")),
        optional("allowedAgents", ConfigSchema(.array(string(.identifier, "An agent id."), minItems: 0),
                                               doc: "Agents that may be used; `[]` = every agent declared under `agents`.", default: .array([]))),
        optional("maxConcurrentSessions", integer("Live runtimes at once; idle ones are evicted first.", 16, ConfigLimits.maxConcurrentSessions)),
        optional("turnTimeoutSeconds", integer("The one time limit of a run (at most 7 days).", 1800, ConfigLimits.turnTimeoutSeconds)),
        optional("runtime", object("Agent processes.", [
            optional("ttlMinutes", integer("An idle runtime is stopped after this long; the session stays and resumes (at most a year).", 60, ConfigLimits.runtimeTTLMinutes)),
        ])),
        optional("idempotency", object("Deduplication of inbound messages.", [
            optional("ttlHours", integer("How long an idempotency key is remembered (at most a year).", 24, ConfigLimits.idempotencyTTLHours)),
        ])),
        optional("runtimeBindings", object("Expiry of bindings made by `/acp spawn --bind|--thread` and `/acp bind` without `--persist`.", [
            optional("idleHours", integer("Ended after this long without traffic; `0` = never for idleness.", 24, ConfigLimits.runtimeBindingHours)),
            optional("maxAgeHours", integer("Ended this long after creation whatever the traffic; `0` = off.", 0, ConfigLimits.runtimeBindingHours)),
        ])),
        optional("stream", object("How agent output reaches chat.", [
            optional("deliveryMode", enumeration(["live", "final_only"], "`live` edits a message as output arrives; `final_only` sends the result once.", default: "live")),
            optional("coalesceIdleMs", integer("Output is flushed after this long without new output (at most 60 s).", 350, ConfigLimits.coalesceIdleMs)),
            optional("maxChunkChars", integer("Longest message sent; longer output is split (channels may lower it to their own limit).", 1800, ConfigLimits.maxChunkChars)),
            optional("maxOutputChars", integer("Output of one run beyond this is cut, with one \"output truncated\" notice.", 24000, ConfigLimits.maxOutputChars)),
            optional("showToolCalls", bool("One compact line per tool call, edited in place.", true)),
            optional("showThoughts", bool("Show the agent's thoughts.", false)),
        ])),
        optional("permissions", object("Agent permission requests.", [
            optional("mode", enumeration(["ask", "approve-reads", "approve-all", "deny-all"], "How permission requests are answered.", default: "ask")),
            optional("timeoutSeconds", integer("An unanswered `ask` is rejected after this long (the agent is told; at most 7 days).", 600, ConfigLimits.permissionTimeoutSeconds)),
        ])),
        optional("workspaceRoots", ConfigSchema(.array(string(.path, "A directory."), minItems: 0),
                                                doc: "`[]` = any; else every session cwd must lie under one of these. Relative entries are resolved against the config file's directory.",
                                                default: .array([]))),
        optional("env", object("acpd's environment as seen by agents.", [
            optional("passthrough", ConfigSchema(.array(string(.envName, "A variable name."), minItems: 0),
                                                 doc: "Only these of acpd's variables (plus `agents.<id>.env`) reach agents.",
                                                 default: .array([.string("PATH"), .string("HOME"), .string("LANG")]))),
        ])),
    ])

    static let agent: ConfigSchema = object("One ACP agent.", [
        required("command", ConfigSchema(.array(string(.nonEmpty, "An argument."), minItems: 1),
                                         doc: "argv of the agent; `command[0]` is resolved on PATH when it has no `/`.")),
        optional("cwd", string(.path, "Default cwd of its sessions. A relative path is resolved against the config file's directory; absent: that directory.")),
        optional("env", ConfigSchema(.map(key: .envName, value: string(.any, "A value.")),
                                     doc: "Variables the agent gets in addition to `acp.env.passthrough`.", default: .object([:]))),
        optional("mode", enumeration(modes, "`persistent` keeps the runtime between turns; `oneshot` closes the session after one run.", default: "persistent")),
        optional("backend", enumeration(backends, "Runtime backend of its sessions.", defaultDoc: "acp.backend")),
        optional("authMethod", {
            var schema = string(.nonEmpty, "Id of an `agent`-type ACP auth method acpd may call `authenticate` with when the agent answers \"authentication required\"; absent: acpd reports that the agent needs a login.")
            schema.isExtension = true
            return schema
        }()),
    ])

    static let binding: ConfigSchema = {
        var schema = object("One binding.", [
            optional("type", enumeration(["acp", "route"], "`acp`: this conversation is pinned to one persistent session. `route`: every matching conversation gets its own session, created on its first message.", default: "route")),
            required("agentId", string(.identifier, "The agent; must be declared under `agents` (and allowed by `acp.allowedAgents`).")),
            required("match", object("Which conversations.", [
                required("channel", enumeration(channels, "The chat channel.")),
                optional("accountId", string(.accountMatch, "The channel account; `*` matches every account, with lower priority than an exact one.", default: .string("default"))),
                optional("peer", object("The conversation. Required for `type: acp`; a `route` without it matches the whole channel account.", [
                    optional("kind", enumeration(["direct", "group", "channel"], "What the conversation is; when given it must agree with the id (e.g. a Telegram `direct` chat id is positive).")),
                    required("id", ConfigSchema(.id(expected: "the channel's conversation id (e.g. -1001234567890:topic:42, 222222222222222222 or alice)"), doc: "The canonical conversation id of the channel (see Conversation ids), e.g. `-1001234567890:topic:42`.")),
                ])),
            ])),
            optional("acp", object("Session settings; each falls back to `agents.<id>`, then `acp`.", [
                optional("label", string(.label, "A unique name for the session, usable as `/acp bind|status|close` target. Only for `type: acp`.")),
                optional("mode", enumeration(modes, "Session mode.", defaultDoc: "agents.<id>.mode")),
                optional("cwd", string(.path, "Session cwd; must be absolute.", defaultDoc: "agents.<id>.cwd")),
                optional("backend", enumeration(backends, "Runtime backend.", defaultDoc: "agents.<id>.backend")),
            ])),
            optional("access", enumeration(["allowlist", "members"], "`allowlist`: owners and `access.allowFrom` may prompt; nobody else may do anything here. `members`: anyone who can post in the conversation may prompt and use the conversation's own session commands (`bound`).", default: "allowlist")),
            optional("approvers", ConfigSchema(.array(string(.sender, "A sender."), minItems: 0), doc: "Senders who may also answer the agent's permission requests here (`/acp allow|reject`, buttons). Membership never does: `[]` = the allowlist only.", default: .array([]))),
        ])
        schema.jsonSchemaExtras = ["if": .object(["properties": .object(["type": .object(["const": .string("acp")])]),
                                                  "required": .array([.string("type")])]),
                                   "then": .object(["properties": .object(["match": .object(["required": .array([.string("peer")])])])])]
        return schema
    }()

    static let channelsSchema: ConfigSchema = object("Chat channels.", [
        optional("telegram", object("Telegram bots.", [
            optional("accounts", ConfigSchema(.map(key: .accountId, value: object("One Telegram bot.", [
                required("botToken", string(.nonEmpty, "The bot token from @BotFather.", secret: true)),
                optional("apiRoot", string(.url, "Bot API root.", default: .string("https://api.telegram.org"))),
                optional("enabled", bool("`false`: configured but not started by `acpd run`.", true)),
                optional("pollTimeoutSeconds", integer("The `getUpdates` long-poll timeout (`0` = short polling).", 30, ConfigLimits.telegramPollTimeoutSeconds)),
                optional("drafts", bool("Stream runs in private chats with `sendMessageDraft` (an animated preview), ending with one `sendMessage` of the final text.", false)),
            ])), doc: "Bots by account id.", default: .object([:]))),
        ])),
        optional("discord", object("Discord bots.", [
            optional("accounts", ConfigSchema(.map(key: .accountId, value: object("One Discord bot.", [
                required("botToken", string(.nonEmpty, "The bot token.", secret: true)),
                optional("apiBase", string(.url, "REST API base.", default: .string("https://discord.com/api/v10"))),
                optional("applicationId", ConfigSchema(.id(expected: "a snowflake (e.g. 111111111111111111)"), doc: "The application's snowflake (for slash commands).")),
                optional("enabled", bool("`false`: configured but not started by `acpd run`.", true)),
                optional("commandGuilds", ConfigSchema(.array(ConfigSchema(.id(expected: "a guild snowflake (e.g. 333333333333333333)"), doc: "A guild id."), minItems: 0),
                                                       doc: "Guilds to register the application commands in (instant); `[]` = globally.", default: .array([]))),
            ])), doc: "Bots by account id.", default: .object([:]))),
        ])),
        optional("http", object("The `http` channel (`POST /v1/messages`).", [
            optional("enabled", bool("Accept messages over the HTTP API.", false)),
        ])),
    ])

    static let access: ConfigSchema = object("Who may do what (CONTRACT.md §4).", [
        optional("owners", ConfigSchema(.array(string(.sender, "A sender."), minItems: 0), doc: "Senders who may do everything.", default: .array([]))),
        optional("allowFrom", ConfigSchema(.array(string(.sender, "A sender."), minItems: 0), doc: "Senders who may prompt agents and use ordinary commands.", default: .array([]))),
        optional("unknownSenders", enumeration(["strict", "request_approval", "public"], "Senders in no list: `strict` ignores them, `request_approval` records one pairing request per sender, `public` treats them as allowlisted.", default: "strict")),
        optional("secret", string(.nonEmpty, "When set, guarded commands need `/auth <secret>` first.", secret: true)),
        optional("authTtlSeconds", integer("How long `/auth` unlocks guarded commands (at most a year).", 600, ConfigLimits.authTTLSeconds)),
        optional("rateLimit", object("Per-sender rate limit (token bucket).", [
            optional("perMinute", integer("Sustained messages per minute.", 10, ConfigLimits.rateLimitPerMinute)),
            optional("burst", integer("Messages allowed at once.", 3, ConfigLimits.rateLimitBurst)),
        ])),
    ])

    // MARK: - Builders

    static func object(_ doc: String, _ fields: [ConfigSchema.Field]) -> ConfigSchema {
        ConfigSchema(.object(fields), doc: doc)
    }

    static func optional(_ name: String, _ schema: ConfigSchema) -> ConfigSchema.Field {
        ConfigSchema.Field(name: name, schema: schema, required: false)
    }

    static func required(_ name: String, _ schema: ConfigSchema) -> ConfigSchema.Field {
        ConfigSchema.Field(name: name, schema: schema, required: true)
    }

    static func string(_ format: StringFormat, _ doc: String, default value: ConfigValue? = nil, defaultDoc: String? = nil,
                       secret: Bool = false) -> ConfigSchema {
        ConfigSchema(.string(format), doc: doc, default: value, defaultDoc: defaultDoc, secret: secret)
    }

    static func bool(_ doc: String, _ value: Bool) -> ConfigSchema {
        ConfigSchema(.boolean, doc: doc, default: .boolean(value))
    }

    /// An integer key; every one has a range (`ConfigLimits`), so no number of the file is unbounded.
    static func integer(_ doc: String, _ value: Int, _ range: ClosedRange<Int>) -> ConfigSchema {
        ConfigSchema(.integer(min: range.lowerBound, max: range.upperBound), doc: doc, default: .integer(value))
    }

    static func enumeration(_ values: [String], _ doc: String, default value: String? = nil, defaultDoc: String? = nil) -> ConfigSchema {
        ConfigSchema(.enumeration(values), doc: doc, default: value.map(ConfigValue.string), defaultDoc: defaultDoc)
    }
}
