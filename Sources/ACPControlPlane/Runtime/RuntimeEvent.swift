/// One thing that happened during a run, as the runtime reports it. A run's event stream ends
/// with exactly one terminal event: `.done` or `.failed`.
public enum RuntimeEvent: Sendable {
    /// Agent text: visible output or a thought. `messageId` groups chunks of one message.
    case text(TextDelta)
    /// A tool call was created (`isNew`) or patched.
    case toolCall(ToolCallInfo)
    /// The whole current plan (each update replaces the previous one).
    case plan([PlanEntry])
    /// The agent asks permission; whoever consumes the run answers through `request.reply`.
    case permissionRequest(PermissionRequest)
    /// An elicitation: a new request (answer through its `reply`), a request the agent withdrew,
    /// or a URL elicitation completed.
    case elicitation(ElicitationSignal)
    /// Context window usage.
    case usage(Usage)
    /// The agent changed its mode.
    case modeChanged(String)
    /// The agent's slash commands changed.
    case commandsUpdated([AgentCommand])
    /// The agent set or cleared the session title.
    case sessionInfo(title: String?)
    /// Some of the agent's output could not be read (a line over the size cap, invalid JSON, an
    /// invalid notification) and was dropped; reported at most once per run, with why.
    case outputDropped(String)
    /// The turn ended with this stop reason (terminal).
    case done(StopReason)
    /// The turn failed (terminal). `retryable`: the same prompt may work on a new attempt.
    case failed(ACPError, retryable: Bool)

    /// True for `.done` and `.failed`.
    public var isTerminal: Bool {
        switch self {
        case .done, .failed: true
        default: false
        }
    }
}

public struct TextDelta: Sendable, Equatable {
    public enum Stream: String, Sendable, Codable { case output, thought }
    public var stream: Stream
    public var text: String
    public var messageId: String?

    public init(stream: Stream, text: String, messageId: String? = nil) {
        self.stream = stream
        self.text = text
        self.messageId = messageId
    }
}

/// A tool call, or a patch of one: on updates only the present fields changed.
public struct ToolCallInfo: Sendable, Equatable {
    public var id: String
    public var isNew: Bool
    public var title: String?
    /// ACP `ToolKind` (read, edit, execute, …), passed through as the agent sent it.
    public var kind: String?
    /// ACP `ToolCallStatus` (pending, in_progress, completed, failed), passed through.
    public var status: String?
    /// Paths the call touches.
    public var locations: [String]?
    /// Text of the call's content blocks, if any (diffs summarised by path).
    public var contentText: String?

    public init(id: String, isNew: Bool, title: String? = nil, kind: String? = nil, status: String? = nil,
                locations: [String]? = nil, contentText: String? = nil) {
        self.id = id
        self.isNew = isNew
        self.title = title
        self.kind = kind
        self.status = status
        self.locations = locations
        self.contentText = contentText
    }
}

public struct PlanEntry: Sendable, Equatable, Codable {
    public var content: String
    public var priority: String
    public var status: String

    public init(content: String, priority: String, status: String) {
        self.content = content
        self.priority = priority
        self.status = status
    }
}

public struct Usage: Sendable, Equatable {
    public var used: Int
    public var size: Int
    public var costAmount: Double?
    public var costCurrency: String?

    public init(used: Int, size: Int, costAmount: Double? = nil, costCurrency: String? = nil) {
        self.used = used
        self.size = size
        self.costAmount = costAmount
        self.costCurrency = costCurrency
    }
}

public struct AgentCommand: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    public var inputHint: String?

    public init(name: String, description: String, inputHint: String? = nil) {
        self.name = name
        self.description = description
        self.inputHint = inputHint
    }
}

/// ACP stop reasons. Unknown values are kept (`other`) and treated as an ended turn.
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    case endTurn, maxTokens, maxTurnRequests, refusal, cancelled
    case other(String)

    public init(wire: String) {
        switch wire {
        case "end_turn": self = .endTurn
        case "max_tokens": self = .maxTokens
        case "max_turn_requests": self = .maxTurnRequests
        case "refusal": self = .refusal
        case "cancelled": self = .cancelled
        default: self = .other(wire)
        }
    }

    public var wire: String {
        switch self {
        case .endTurn: "end_turn"
        case .maxTokens: "max_tokens"
        case .maxTurnRequests: "max_turn_requests"
        case .refusal: "refusal"
        case .cancelled: "cancelled"
        case .other(let value): value
        }
    }

    public var description: String { wire }
}
