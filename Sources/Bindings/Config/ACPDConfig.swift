import ACPControlPlane

/// A validated acpd config (CONTRACT.md §3) with every default applied and every path absolute.
///
/// Only `ConfigLoader` makes one, so holding an `ACPDConfig` means every rule of the file held:
/// agents referenced by bindings exist, conversation ids are canonical, no two bindings collide,
/// every session cwd is absolute and inside `acp.workspaceRoots`.
public struct ACPDConfig: Sendable, Equatable {
    /// The file it was read from (absolute), or nil when parsed from text.
    public var file: String?
    /// The directory relative paths were resolved against (the file's directory).
    public var baseDirectory: String
    /// Absolute directory of the store.
    public var stateDir: String
    /// `store.retention`: how long what finished runs left is kept.
    public var storeRetention: StoreRetention
    public var acp: ACPSettings
    /// Agents by id.
    public var agents: [String: AgentConfig]
    /// The `acpx` executable (resolved on PATH when it has no `/`).
    public var acpxCommand: String
    /// `bindings[]` in file order.
    public var bindings: [BindingConfig]
    public var channels: ChannelsConfig
    public var access: AccessConfig
    public var api: APIConfig
    /// `log`: acpd's own log format and level (the command line wins).
    public var log = LogSettings()

    /// The store file: `<stateDir>/acpd.sqlite`.
    public var storePath: String { PathRules.join(stateDir, "acpd.sqlite") }
}

/// `acp.*`: defaults and limits of ACP sessions.
public struct ACPSettings: Sendable, Equatable {
    public var enabled: Bool
    public var dispatchEnabled: Bool
    /// Default runtime backend id (`stdio` or `acpx`).
    public var backend: String
    public var defaultAgent: String?
    /// Empty: every declared agent is allowed.
    public var allowedAgents: [String]
    public var maxConcurrentSessions: Int
    public var turnTimeoutSeconds: Int
    public var runtimeTTLMinutes: Int
    public var idempotencyTTLHours: Int
    public var runtimeBindings: RuntimeBindingPolicy
    public var stream: StreamSettings
    public var permissions: PermissionSettings
    /// Absolute directories; empty: any cwd is allowed.
    public var workspaceRoots: [String]
    public var envPassthrough: [String]

    /// True when `agentId` may be used (`allowedAgents` empty or listing it).
    public func allows(agent agentId: String) -> Bool { allowedAgents.isEmpty || allowedAgents.contains(agentId) }
}

/// `acp.runtimeBindings`: when bindings made without `--persist` end.
public struct RuntimeBindingPolicy: Sendable, Equatable {
    /// Hours without traffic after which the binding ends; 0 = never for idleness.
    public var idleHours: Int
    /// Hours after creation after which the binding ends; 0 = off.
    public var maxAgeHours: Int

    /// A policy; the defaults are those of CONTRACT.md §3.
    public init(idleHours: Int = 24, maxAgeHours: Int = 0) {
        self.idleHours = idleHours
        self.maxAgeHours = maxAgeHours
    }
}

/// `acp.stream`: how output reaches chat.
public struct StreamSettings: Sendable, Equatable {
    /// `live` edits output in place as it arrives; `final_only` sends it once at the end.
    public enum DeliveryMode: String, Sendable, CaseIterable { case live, finalOnly = "final_only" }
    public var deliveryMode: DeliveryMode
    public var coalesceIdleMs: Int
    public var maxChunkChars: Int
    public var maxOutputChars: Int
    public var showToolCalls: Bool
    public var showThoughts: Bool
}

/// `acp.permissions`: how permission requests are answered.
public struct PermissionSettings: Sendable, Equatable {
    /// How permission requests are answered; raw values are the config spellings.
    public enum Mode: String, Sendable, CaseIterable {
        case ask, approveReads = "approve-reads", approveAll = "approve-all", denyAll = "deny-all"
    }
    public var mode: Mode
    public var timeoutSeconds: Int
}

/// `agents.<id>`: one ACP agent, with `cwd` and `backend` resolved.
public struct AgentConfig: Sendable, Equatable {
    public var id: String
    public var command: [String]
    /// Absolute default cwd of its sessions.
    public var cwd: String
    public var env: [String: String]
    public var mode: SessionMode
    public var backend: String
    /// acpd extension: an `agent`-type ACP auth method id acpd may `authenticate` with.
    public var authMethod: String?

    /// The runtime's view of this agent.
    public var spec: AgentSpec { AgentSpec(id: id, command: command, env: env, authMethod: authMethod) }
}

/// One entry of `bindings[]`.
public struct BindingConfig: Sendable, Equatable {
    /// `type:` of a binding.
    public enum Kind: String, Sendable, CaseIterable {
        /// A concrete conversation pinned to one persistent session.
        case acp
        /// Every matching conversation gets its own session on its first message.
        case route
    }

    /// Who may prompt in a bound conversation besides the allowlist.
    public enum Access: String, Sendable, CaseIterable { case allowlist, members }

    /// `match.peer`.
    public struct Peer: Sendable, Equatable {
        /// `match.peer.kind`: what the conversation is (checked against the id on Telegram).
        public enum Kind: String, Sendable, CaseIterable { case direct, group, channel }
        public var kind: Kind?
        /// The canonical conversation id.
        public var id: String
    }

    /// `bindings[].acp`: settings that override the agent's and `acp`'s.
    public struct Overrides: Sendable, Equatable {
        public var label: String?
        public var mode: SessionMode?
        /// Absolute.
        public var cwd: String?
        public var backend: String?

        /// Overrides; nil fields fall back to the agent, then `acp`.
        public init(label: String? = nil, mode: SessionMode? = nil, cwd: String? = nil, backend: String? = nil) {
            self.label = label
            self.mode = mode
            self.cwd = cwd
            self.backend = backend
        }
    }

    /// Position in `bindings[]`, for messages (`bindings[2]`).
    public var index: Int
    public var kind: Kind
    public var agentId: String
    public var channel: ConversationRef.Channel
    /// An account id, or `*` (`AccountID.wildcard`).
    public var accountId: String
    /// Required for `acp`; nil on a channel-wide `route`.
    public var peer: Peer?
    public var overrides: Overrides
    public var access: Access
    /// `approvers`: senders who may also answer permission requests in this binding's
    /// conversations ([] = the allowlist only).
    public var approvers: [SenderRef] = []

    /// The conversation this binding names (account `*` stays `*`), or nil for a channel-wide route.
    public var conversation: ConversationRef? {
        peer.map { ConversationRef(channel: channel, accountId: accountId, conversationId: $0.id) }
    }
}

/// `channels.*`.
public struct ChannelsConfig: Sendable, Equatable {
    /// `channels.telegram.accounts.<id>`.
    public struct TelegramAccount: Sendable, Equatable {
        public var botToken: Secret
        public var apiRoot: String
        /// False: configured but not started.
        public var enabled: Bool = true
        /// The `getUpdates` long-poll timeout (`ConfigLimits.telegramPollTimeoutSeconds`).
        public var pollTimeoutSeconds: Int = 30
        /// Stream into private chats with `sendMessageDraft`, ending with one `sendMessage`.
        public var drafts: Bool = false
    }

    /// `channels.discord.accounts.<id>`.
    public struct DiscordAccount: Sendable, Equatable {
        public var botToken: Secret
        public var apiBase: String
        public var applicationId: String?
        /// False: configured but not started.
        public var enabled: Bool = true
        /// Guilds to register application commands in; empty: globally.
        public var commandGuilds: [String] = []
    }

    public var telegram: [String: TelegramAccount]
    public var discord: [String: DiscordAccount]
    public var httpEnabled: Bool
}

/// `access.*` (the evaluator lives with the commands).
public struct AccessConfig: Sendable, Equatable {
    /// What happens to senders in no access list; raw values are the config spellings.
    public enum UnknownSenders: String, Sendable, CaseIterable { case strict, requestApproval = "request_approval", `public` }

    /// Per-sender token bucket.
    public struct RateLimit: Sendable, Equatable {
        public var perMinute: Int
        public var burst: Int
    }

    public var owners: [SenderRef]
    public var allowFrom: [SenderRef]
    public var unknownSenders: UnknownSenders
    public var secret: Secret?
    public var authTTLSeconds: Int
    public var rateLimit: RateLimit
}

/// A sender in an access list: `<channel>:<id>` (`telegram:111`, `http:alice`).
public struct SenderRef: Hashable, Sendable, CustomStringConvertible {
    public var channel: ConversationRef.Channel
    public var id: String

    /// A sender `channel:id`.
    public init(channel: ConversationRef.Channel, id: String) {
        self.channel = channel
        self.id = id
    }

    public var description: String { "\(channel.rawValue):\(id)" }
}

/// `api.*`.
public struct APIConfig: Sendable, Equatable {
    /// `host:port` as written.
    public var listen: String
    public var host: String
    public var port: Int
    public var token: Secret?
    /// `api.headerTimeoutSeconds`: how long a request head may take to arrive.
    public var headerTimeoutSeconds: Int = 10
    /// `api.idleTimeoutSeconds`: how long a connection without a request in progress stays open.
    public var idleTimeoutSeconds: Int = 60
    /// `api.maxConnections`: open connections at once.
    public var maxConnections: Int = 256
}

/// A secret config value (token, shared secret): compares by value, never prints it.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    /// Wraps a secret value.
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

extension StreamSettings {
    /// The defaults of CONTRACT.md §3 `acp.stream`.
    public static let defaults = StreamSettings(deliveryMode: .live, coalesceIdleMs: 350, maxChunkChars: 1800,
                                         maxOutputChars: 24000, showToolCalls: true, showThoughts: false)
}
