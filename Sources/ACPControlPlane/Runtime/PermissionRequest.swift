/// An agent's `session/request_permission`, surfaced to whoever consumes the run.
///
/// Exactly one answer reaches the agent: the first call to `reply` wins, later ones return false.
/// Cancelling the run answers every pending request with `.cancelled` before anything else.
public struct PermissionRequest: Sendable {
    /// Unique among the pending requests of one runtime.
    public let id: String
    public let toolCallId: String
    public let title: String
    public let kind: String?
    public let options: [PermissionOption]
    public let reply: PermissionReply

    public init(id: String, toolCallId: String, title: String, kind: String?, options: [PermissionOption], reply: PermissionReply) {
        self.id = id
        self.toolCallId = toolCallId
        self.title = title
        self.kind = kind
        self.options = options
        self.reply = reply
    }

    /// The first option of the given kind (`allow_once`, `reject_once`, …), if offered.
    public func option(ofKind kind: PermissionOption.Kind) -> PermissionOption? {
        options.first { $0.kind == kind }
    }
}

public struct PermissionOption: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable, Codable, Hashable {
        case allowOnce, allowAlways, rejectOnce, rejectAlways
        case other(String)

        public init(wire: String) {
            switch wire {
            case "allow_once": self = .allowOnce
            case "allow_always": self = .allowAlways
            case "reject_once": self = .rejectOnce
            case "reject_always": self = .rejectAlways
            default: self = .other(wire)
            }
        }

        public var wire: String {
            switch self {
            case .allowOnce: "allow_once"
            case .allowAlways: "allow_always"
            case .rejectOnce: "reject_once"
            case .rejectAlways: "reject_always"
            case .other(let value): value
            }
        }

        public var isAllow: Bool { self == .allowOnce || self == .allowAlways }
        public var isReject: Bool { self == .rejectOnce || self == .rejectAlways }

        public init(from decoder: any Decoder) throws {
            self.init(wire: try decoder.singleValueContainer().decode(String.self))
        }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(wire)
        }
    }

    public var id: String
    public var name: String
    public var kind: Kind

    public init(id: String, name: String, kind: Kind) {
        self.id = id
        self.name = name
        self.kind = kind
    }
}

/// The answer to a permission request.
public enum PermissionOutcome: Sendable, Equatable {
    case selected(optionId: String)
    case cancelled
}

/// Sends the answer to a permission request back to the agent, once.
public typealias PermissionReply = AgentReply<PermissionOutcome>

/// Sends the answer to a request of the agent (a permission request, an elicitation) back to it,
/// once.
public struct AgentReply<Outcome: Sendable>: Sendable {
    private let send: @Sendable (Outcome) async -> Bool

    /// A reply that answers through `send`, which returns false when it was answered already.
    public init(_ send: @escaping @Sendable (Outcome) async -> Bool) {
        self.send = send
    }

    /// Answers the request. Returns false when it was already answered (or the runtime is gone),
    /// in which case nothing is sent.
    @discardableResult
    public func callAsFunction(_ outcome: Outcome) async -> Bool {
        await send(outcome)
    }
}
