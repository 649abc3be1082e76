import JSONKit

/// `session/new` params. `mcpServers` is required by SDK agents (may be empty).
public struct NewSessionRequest: Sendable, Equatable, Codable {
    public var cwd: String
    public var mcpServers: [JSONValue]
    public var additionalDirectories: [String]?
    public var meta: JSONValue?

    enum CodingKeys: String, CodingKey { case cwd, mcpServers, additionalDirectories, meta = "_meta" }

    public init(cwd: String, mcpServers: [JSONValue] = []) {
        self.cwd = cwd
        self.mcpServers = mcpServers
    }
}

/// `session/new` result.
public struct NewSessionResponse: Sendable, Equatable, Codable {
    public var sessionId: String
    public var modes: JSONValue?
    public var configOptions: JSONValue?
    public var meta: JSONValue?

    enum CodingKeys: String, CodingKey { case sessionId, modes, configOptions, meta = "_meta" }
}

/// `session/load` params.
public struct LoadSessionRequest: Sendable, Equatable, Codable {
    public var sessionId: String
    public var cwd: String
    public var mcpServers: [JSONValue]

    public init(sessionId: String, cwd: String, mcpServers: [JSONValue] = []) {
        self.sessionId = sessionId
        self.cwd = cwd
        self.mcpServers = mcpServers
    }
}

/// `session/load` result (`{}` or `null`; both accepted).
public struct LoadSessionResponse: Sendable, Equatable, Codable {
    public var modes: JSONValue?
    public var configOptions: JSONValue?
}

/// `session/prompt` params.
public struct PromptRequest: Sendable, Equatable, Codable {
    public var sessionId: String
    public var prompt: [WireContentBlock]

    public init(sessionId: String, prompt: [WireContentBlock]) {
        self.sessionId = sessionId
        self.prompt = prompt
    }
}

/// `session/prompt` result.
public struct PromptResponse: Sendable, Equatable, Codable {
    public var stopReason: String
    public var meta: JSONValue?

    enum CodingKeys: String, CodingKey { case stopReason, meta = "_meta" }
}

/// `session/cancel` params (a notification).
public struct CancelNotification: Sendable, Equatable, Codable {
    public var sessionId: String
}

/// `session/set_config_option` params (a value id; acpd does not advertise boolean options).
public struct SetSessionConfigOptionRequest: Sendable, Equatable, Codable {
    public var sessionId: String
    public var configId: String
    public var value: JSONValue
}

/// `session/set_config_option` result: the complete option list.
public struct SetSessionConfigOptionResponse: Sendable, Equatable, Codable {
    public var configOptions: JSONValue
}

/// An empty object (`{}`): the result of `authenticate`, `fs/write_text_file`, … When decoding,
/// `null` is accepted too (see `AgentMessage.decodeResult`).
public struct EmptyObject: Sendable, Equatable, Codable {
    public init() {}
}
