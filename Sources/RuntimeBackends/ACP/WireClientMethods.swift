/// `session/request_permission` params (agent → client request).
public struct RequestPermissionRequest: Sendable, Equatable, Codable {
    public var sessionId: String
    public var toolCall: ToolCallUpdate
    public var options: [WirePermissionOption]
}

public struct WirePermissionOption: Sendable, Equatable, Codable {
    public var optionId: String
    public var name: String
    public var kind: String
}

/// `session/request_permission` result.
public struct RequestPermissionResponse: Sendable, Equatable, Codable {
    public var outcome: RequestPermissionOutcome
}

/// `{"outcome":"selected","optionId":…}` or `{"outcome":"cancelled"}`.
public enum RequestPermissionOutcome: Sendable, Equatable, Codable {
    case selected(optionId: String)
    case cancelled

    private enum Keys: String, CodingKey { case outcome, optionId }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        switch try container.decode(String.self, forKey: .outcome) {
        case "selected": self = .selected(optionId: try container.decode(String.self, forKey: .optionId))
        case "cancelled": self = .cancelled
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .outcome, in: container, debugDescription: "unknown outcome \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .selected(let optionId):
            try container.encode("selected", forKey: .outcome)
            try container.encode(optionId, forKey: .optionId)
        case .cancelled:
            try container.encode("cancelled", forKey: .outcome)
        }
    }
}

/// `fs/read_text_file` params. `line` is 1-based; `limit` counts lines.
public struct ReadTextFileRequest: Sendable, Equatable, Codable {
    public var sessionId: String
    public var path: String
    public var line: Int?
    public var limit: Int?
}

public struct ReadTextFileResponse: Sendable, Equatable, Codable {
    public var content: String
}

/// `fs/write_text_file` params; the file is created when missing.
public struct WriteTextFileRequest: Sendable, Equatable, Codable {
    public var sessionId: String
    public var path: String
    public var content: String
}

/// `$/cancel_request` params: the peer withdraws one of its requests.
public struct CancelRequestNotification: Sendable, Equatable, Codable {
    public var requestId: RequestID
}
