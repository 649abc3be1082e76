/// How a session's runtime is to be started: the agent program and the session's place.
public struct AgentSpec: Sendable, Equatable, Codable {
    /// The agent's id in config (`agents.<id>`).
    public var id: String
    /// argv; `command[0]` is resolved on PATH when it has no `/`.
    public var command: [String]
    /// Variables the agent gets in addition to the passthrough ones.
    public var env: [String: String]
    /// The id of an `agent`-type ACP auth method acpd may call `authenticate` with when the agent
    /// answers "authentication required" (-32000). Nil: report "agent needs login" instead.
    public var authMethod: String?

    public init(id: String, command: [String], env: [String: String] = [:], authMethod: String? = nil) {
        self.id = id
        self.command = command
        self.env = env
        self.authMethod = authMethod
    }
}

/// `persistent` sessions keep their runtime between turns; `oneshot` ones are closed after one run.
public enum SessionMode: String, Sendable, Codable, CaseIterable {
    case persistent, oneshot
}

/// The input of `AgentRuntime.ensureSession(_:)`.
public struct EnsureSessionRequest: Sendable, Equatable {
    public var sessionKey: SessionKey
    public var agent: AgentSpec
    /// Absolute working directory of the ACP session (and of the agent process).
    public var cwd: String
    public var mode: SessionMode
    /// Names of acpd's own environment variables the agent may see (`acp.env.passthrough`).
    /// Nothing else of acpd's environment reaches the agent.
    public var envPassthrough: [String]
    /// The agent's ACP `sessionId` from an earlier runtime, to restore with `session/resume` or `session/load`.
    public var resumeAgentSessionId: String?

    public init(sessionKey: SessionKey, agent: AgentSpec, cwd: String, mode: SessionMode = .persistent,
                envPassthrough: [String] = ["PATH", "HOME", "LANG"], resumeAgentSessionId: String? = nil) {
        self.sessionKey = sessionKey
        self.agent = agent
        self.cwd = cwd
        self.mode = mode
        self.envPassthrough = envPassthrough
        self.resumeAgentSessionId = resumeAgentSessionId
    }
}

/// A live agent-side session of one acpd session. Handles are values; a handle whose runtime has
/// since died or been replaced is detected by the backend (`runtimeInstance` no longer matches).
public struct RuntimeHandle: Sendable, Hashable {
    public let sessionKey: SessionKey
    public let backend: String
    /// The agent's ACP `sessionId`; store it to resume later.
    public let agentSessionId: String
    /// Identifies the runtime instance (one agent process for `stdio`).
    public let runtimeInstance: String

    public init(sessionKey: SessionKey, backend: String, agentSessionId: String, runtimeInstance: String) {
        self.sessionKey = sessionKey
        self.backend = backend
        self.agentSessionId = agentSessionId
        self.runtimeInstance = runtimeInstance
    }
}

/// The outcome of `ensureSession`: the handle and how the agent-side session came to be.
public struct EnsuredSession: Sendable {
    public enum Origin: String, Sendable {
        /// The runtime was already live for this session key; nothing was started.
        case existing
        /// A fresh agent-side session (`session/new`).
        case created
        /// Restored with `session/load`; the replayed history was not reported as new output.
        case loaded
        /// Restored with `session/resume` (the agent replays no history).
        case resumed
    }

    public let handle: RuntimeHandle
    public let origin: Origin
    /// Set when a resume was asked for but failed and a fresh session was made instead: the
    /// conversation must be told that the agent lost its context. Never silent.
    public let resumeFailure: String?
    public let capabilities: RuntimeCapabilities

    public init(handle: RuntimeHandle, origin: Origin, resumeFailure: String? = nil, capabilities: RuntimeCapabilities) {
        self.handle = handle
        self.origin = origin
        self.resumeFailure = resumeFailure
        self.capabilities = capabilities
    }
}

/// What the agent behind a runtime can do, from its `initialize` answer.
public struct RuntimeCapabilities: Sendable, Equatable {
    public var agentName: String?
    public var agentVersion: String?
    public var protocolVersion: Int
    public var loadSession: Bool
    public var prompt: PromptCapabilities
    /// Names of the agent's auth methods (empty when it needs none).
    public var authMethods: [String]

    public init(agentName: String? = nil, agentVersion: String? = nil, protocolVersion: Int = 1,
                loadSession: Bool = false, prompt: PromptCapabilities = .init(), authMethods: [String] = []) {
        self.agentName = agentName
        self.agentVersion = agentVersion
        self.protocolVersion = protocolVersion
        self.loadSession = loadSession
        self.prompt = prompt
        self.authMethods = authMethods
    }
}

/// Why a runtime is being closed; logged, and used for metrics.
public enum CloseReason: String, Sendable {
    case sessionClosed = "session_closed"
    case idleTimeout = "idle_ttl"
    case evicted
    case reset
    case shutdown
    case turnTimeout = "turn_timeout"
    case oneshotDone = "oneshot_done"
}

/// The health of a backend as a whole.
public enum BackendHealth: Sendable, Equatable {
    case healthy
    case unhealthy(reason: String)
}
