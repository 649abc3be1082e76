import JSONKit

/// `initialize` params (client → agent).
public struct InitializeRequest: Sendable, Equatable, Codable {
    public var protocolVersion: Int
    public var clientCapabilities: ClientCapabilities?
    public var clientInfo: Implementation?
    public var meta: JSONValue?

    enum CodingKeys: String, CodingKey { case protocolVersion, clientCapabilities, clientInfo, meta = "_meta" }

    public init(protocolVersion: Int, clientCapabilities: ClientCapabilities?, clientInfo: Implementation?) {
        self.protocolVersion = protocolVersion
        self.clientCapabilities = clientCapabilities
        self.clientInfo = clientInfo
    }
}

/// What acpd implements as a client. Only what is really implemented is ever set to true.
public struct ClientCapabilities: Sendable, Equatable, Codable {
    public struct FileSystem: Sendable, Equatable, Codable {
        public var readTextFile: Bool
        public var writeTextFile: Bool
    }

    public var fs: FileSystem?
    public var terminal: Bool?
    /// `{"form":{},"url":{}}` when acpd serves `elicitation/create`.
    public var elicitation: JSONValue?
    public var meta: JSONValue?

    enum CodingKeys: String, CodingKey { case fs, terminal, elicitation, meta = "_meta" }

    public init(fs: FileSystem?, terminal: Bool?) {
        self.fs = fs
        self.terminal = terminal
    }
}

/// `clientInfo` / `agentInfo`.
public struct Implementation: Sendable, Equatable, Codable {
    public var name: String
    public var title: String?
    public var version: String?

    public init(name: String, title: String? = nil, version: String?) {
        self.name = name
        self.title = title
        self.version = version
    }
}

/// `initialize` result (agent → client). Absent capabilities mean unsupported.
public struct InitializeResponse: Sendable, Equatable, Codable {
    public var protocolVersion: Int
    public var agentCapabilities: AgentCapabilities?
    public var authMethods: [AuthMethod]?
    public var agentInfo: Implementation?
    public var meta: JSONValue?

    enum CodingKeys: String, CodingKey { case protocolVersion, agentCapabilities, authMethods, agentInfo, meta = "_meta" }
}

public struct AgentCapabilities: Sendable, Equatable, Codable {
    public struct Prompt: Sendable, Equatable, Codable {
        public var image: Bool?
        public var audio: Bool?
        public var embeddedContext: Bool?
    }

    public var loadSession: Bool?
    public var promptCapabilities: Prompt?
    /// Kept verbatim: acpd starts no MCP servers.
    public var mcpCapabilities: JSONValue?
    /// Kept verbatim: `list`, `resume`, `close`, … (each an object when supported).
    public var sessionCapabilities: JSONValue?
    public var auth: JSONValue?
    public var meta: JSONValue?

    enum CodingKeys: String, CodingKey {
        case loadSession, promptCapabilities, mcpCapabilities, sessionCapabilities, auth, meta = "_meta"
    }
}

/// An entry of `authMethods`. `type` absent or `agent`: call `authenticate`; `terminal`: the
/// user must log in interactively (never `authenticate`).
public struct AuthMethod: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var description: String?
    public var type: String?
    public var meta: JSONValue?

    enum CodingKeys: String, CodingKey { case id, name, description, type, meta = "_meta" }

    public var isAgentType: Bool { type == nil || type == "agent" }
}

/// `authenticate` params.
public struct AuthenticateRequest: Sendable, Equatable, Codable {
    public var methodId: String
}
