#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What happened to an elicitation, as the event log stores it (`EventPayload.elicitation`).
public enum ElicitationEvent: Sendable, Equatable, Codable {
    /// The agent asks; answer with `SessionManager.answerElicitation`.
    case requested(ElicitationPrompt)
    /// Some fields got values (a button, a typed answer); the values so far.
    case progress(ElicitationProgress)
    /// The elicitation got its answer, or ended without one.
    case resolved(ElicitationResolution)
    /// `elicitation/complete`: the agent says the URL elicitation `id` is done.
    case completed(id: Int64)

    /// The elicitation's number.
    public var id: Int64 {
        switch self {
        case .requested(let prompt): prompt.id
        case .progress(let progress): progress.id
        case .resolved(let resolution): resolution.id
        case .completed(let id): id
        }
    }
}

/// An elicitation as the conversation sees it.
public struct ElicitationPrompt: Sendable, Equatable, Codable {
    /// The store id (`acp_elicitations.id`): what `/acp answer <n>` names.
    public var id: Int64
    /// The agent's message.
    public var message: String
    public var mode: ElicitationMode
    /// The values the form starts with (the fields' defaults).
    public var values: [String: ElicitationValue]
    /// When an unanswered elicitation is cancelled.
    public var deadline: Date

    /// A value with these parts (see the properties).
    public init(id: Int64, message: String, mode: ElicitationMode, values: [String: ElicitationValue] = [:], deadline: Date) {
        self.id = id
        self.message = message
        self.mode = mode
        self.values = values
        self.deadline = deadline
    }

    /// The form, for a form-mode elicitation.
    public var form: ElicitationForm? {
        if case .form(let form) = mode { return form }
        return nil
    }
}

/// The values of a form so far.
public struct ElicitationProgress: Sendable, Equatable, Codable {
    public var id: Int64
    public var values: [String: ElicitationValue]

    /// A value with these parts (see the properties).
    public init(id: Int64, values: [String: ElicitationValue]) {
        self.id = id
        self.values = values
    }
}

/// How an elicitation ended.
public struct ElicitationResolution: Sendable, Equatable, Codable {
    public enum How: String, Sendable, Codable {
        /// Answered `accept` (the values sent are in `values`; for a URL: the user continued).
        case accepted
        /// Answered `decline`.
        case declined
        /// Answered `cancel`: the run was cancelled, or the session closed or reset.
        case cancelled
        /// Nobody answered by `acp.permissions.timeoutSeconds`: answered `cancel`.
        case timedOut = "timed_out"
        /// The agent withdrew it (`$/cancel_request`).
        case withdrawn
        /// acpd restarted while it was pending (the agent's process is gone with it).
        case interrupted
    }

    public var id: Int64
    public var how: How
    public var values: [String: ElicitationValue]?

    /// A value with these parts (see the properties).
    public init(id: Int64, how: How, values: [String: ElicitationValue]? = nil) {
        self.id = id
        self.how = how
        self.values = values
    }
}

extension ElicitationEvent {
    static let requestedKind = "elicitation"
    static let progressKind = "elicitation_progress"
    static let resolvedKind = "elicitation_resolved"
    static let completedKind = "elicitation_completed"

    /// The stored `kind` column.
    var kind: String {
        switch self {
        case .requested: Self.requestedKind
        case .progress: Self.progressKind
        case .resolved: Self.resolvedKind
        case .completed: Self.completedKind
        }
    }
}
