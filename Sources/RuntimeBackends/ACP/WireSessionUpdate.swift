import JSONKit

/// `session/update` params (agent → client notification).
public struct SessionNotification: Sendable, Equatable, Codable {
    public var sessionId: String
    public var update: SessionUpdate
}

/// The 11 stable `sessionUpdate` variants of ACP v1; anything else is kept as `unknown` (newer
/// or unstable agents send `plan_update`, `notice`, …) and ignored by acpd.
public enum SessionUpdate: Sendable, Equatable, Codable {
    case userMessageChunk(ContentChunk)
    case agentMessageChunk(ContentChunk)
    case agentThoughtChunk(ContentChunk)
    case toolCall(ToolCall)
    case toolCallUpdate(ToolCallUpdate)
    case plan(Plan)
    case availableCommandsUpdate(AvailableCommandsUpdate)
    case currentModeUpdate(CurrentModeUpdate)
    case configOptionUpdate(ConfigOptionUpdate)
    case sessionInfoUpdate(SessionInfoUpdate)
    case usageUpdate(UsageUpdate)
    case unknown(kind: String, raw: JSONValue)

    private enum Discriminator: String, CodingKey { case sessionUpdate }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: Discriminator.self).decode(String.self, forKey: .sessionUpdate)
        switch kind {
        case "user_message_chunk": self = .userMessageChunk(try ContentChunk(from: decoder))
        case "agent_message_chunk": self = .agentMessageChunk(try ContentChunk(from: decoder))
        case "agent_thought_chunk": self = .agentThoughtChunk(try ContentChunk(from: decoder))
        case "tool_call": self = .toolCall(try ToolCall(from: decoder))
        case "tool_call_update": self = .toolCallUpdate(try ToolCallUpdate(from: decoder))
        case "plan": self = .plan(try Plan(from: decoder))
        case "available_commands_update": self = .availableCommandsUpdate(try AvailableCommandsUpdate(from: decoder))
        case "current_mode_update": self = .currentModeUpdate(try CurrentModeUpdate(from: decoder))
        case "config_option_update": self = .configOptionUpdate(try ConfigOptionUpdate(from: decoder))
        case "session_info_update": self = .sessionInfoUpdate(try SessionInfoUpdate(from: decoder))
        case "usage_update": self = .usageUpdate(try UsageUpdate(from: decoder))
        default: self = .unknown(kind: kind, raw: try JSONValue(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        let kind: String
        switch self {
        case .userMessageChunk(let value): kind = "user_message_chunk"; try value.encode(to: encoder)
        case .agentMessageChunk(let value): kind = "agent_message_chunk"; try value.encode(to: encoder)
        case .agentThoughtChunk(let value): kind = "agent_thought_chunk"; try value.encode(to: encoder)
        case .toolCall(let value): kind = "tool_call"; try value.encode(to: encoder)
        case .toolCallUpdate(let value): kind = "tool_call_update"; try value.encode(to: encoder)
        case .plan(let value): kind = "plan"; try value.encode(to: encoder)
        case .availableCommandsUpdate(let value): kind = "available_commands_update"; try value.encode(to: encoder)
        case .currentModeUpdate(let value): kind = "current_mode_update"; try value.encode(to: encoder)
        case .configOptionUpdate(let value): kind = "config_option_update"; try value.encode(to: encoder)
        case .sessionInfoUpdate(let value): kind = "session_info_update"; try value.encode(to: encoder)
        case .usageUpdate(let value): kind = "usage_update"; try value.encode(to: encoder)
        case .unknown(_, let raw): try raw.encode(to: encoder); return
        }
        var container = encoder.container(keyedBy: Discriminator.self)
        try container.encode(kind, forKey: .sessionUpdate)
    }

    /// The wire name of the variant.
    public var kind: String {
        switch self {
        case .userMessageChunk: "user_message_chunk"
        case .agentMessageChunk: "agent_message_chunk"
        case .agentThoughtChunk: "agent_thought_chunk"
        case .toolCall: "tool_call"
        case .toolCallUpdate: "tool_call_update"
        case .plan: "plan"
        case .availableCommandsUpdate: "available_commands_update"
        case .currentModeUpdate: "current_mode_update"
        case .configOptionUpdate: "config_option_update"
        case .sessionInfoUpdate: "session_info_update"
        case .usageUpdate: "usage_update"
        case .unknown(let kind, _): kind
        }
    }
}

/// `user_message_chunk`, `agent_message_chunk`, `agent_thought_chunk`.
public struct ContentChunk: Sendable, Equatable, Codable {
    public var content: WireContentBlock
    public var messageId: String?
}

public struct ToolCallLocation: Sendable, Equatable, Codable {
    public var path: String
    public var line: Int?
}

/// `tool_call`: creates a tool call record.
public struct ToolCall: Sendable, Equatable, Codable {
    public var toolCallId: String
    public var title: String
    public var kind: String?
    public var status: String?
    public var content: [WireToolCallContent]?
    public var locations: [ToolCallLocation]?
    public var rawInput: JSONValue?
    public var rawOutput: JSONValue?
}

/// `tool_call_update` (and the `toolCall` of a permission request): only present fields change.
public struct ToolCallUpdate: Sendable, Equatable, Codable {
    public var toolCallId: String
    public var title: String?
    public var kind: String?
    public var status: String?
    public var content: [WireToolCallContent]?
    public var locations: [ToolCallLocation]?
    public var rawInput: JSONValue?
    public var rawOutput: JSONValue?
}

public struct WirePlanEntry: Sendable, Equatable, Codable {
    public var content: String
    public var priority: String
    public var status: String
}

/// `plan`: the whole plan, replacing the previous one.
public struct Plan: Sendable, Equatable, Codable {
    public var entries: [WirePlanEntry]
}

public struct AvailableCommand: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    /// `{hint}` for unstructured input.
    public var input: JSONValue?
}

public struct AvailableCommandsUpdate: Sendable, Equatable, Codable {
    public var availableCommands: [AvailableCommand]
}

/// `current_mode_update`. The schema's field is `currentModeId`; the v1 protocol docs page shows
/// `modeId`, so that spelling is accepted too (and written back as `currentModeId`).
public struct CurrentModeUpdate: Sendable, Equatable, Codable {
    public var currentModeId: String

    private enum CodingKeys: String, CodingKey { case currentModeId, modeId }

    public init(currentModeId: String) { self.currentModeId = currentModeId }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let id = try container.decodeIfPresent(String.self, forKey: .currentModeId) {
            currentModeId = id
        } else {
            currentModeId = try container.decode(String.self, forKey: .modeId)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(currentModeId, forKey: .currentModeId)
    }
}

/// `config_option_update`: the complete option list, kept verbatim.
public struct ConfigOptionUpdate: Sendable, Equatable, Codable {
    public var configOptions: JSONValue
}

/// `session_info_update`: an absent field is unchanged, an explicit `null` clears it (so the
/// fields are kept as raw JSON to tell the two apart).
public struct SessionInfoUpdate: Sendable, Equatable, Codable {
    public var title: JSONValue?
    public var updatedAt: JSONValue?
}

public struct UsageCost: Sendable, Equatable, Codable {
    public var amount: Double
    public var currency: String
}

/// `usage_update`: context tokens used / window size, and optional cost.
public struct UsageUpdate: Sendable, Equatable, Codable {
    public var used: Int
    public var size: Int
    public var cost: UsageCost?
}
