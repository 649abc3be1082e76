/// An agent's `elicitation/create`, surfaced to whoever consumes the run.
///
/// Exactly one answer reaches the agent: the first call to `reply` wins, later ones return false.
/// Cancelling the run answers every pending elicitation with `.cancel`.
public struct ElicitationRequest: Sendable {
    /// Unique among the pending requests of one runtime (the JSON-RPC id).
    public let id: String
    /// The agent's `message`: what it asks and why.
    public let message: String
    public let mode: ElicitationMode
    public let reply: ElicitationReply

    /// A value with these parts (see the properties).
    public init(id: String, message: String, mode: ElicitationMode, reply: ElicitationReply) {
        self.id = id
        self.message = message
        self.mode = mode
        self.reply = reply
    }
}

/// What an elicitation asks for: a form to fill, or a link to open.
public enum ElicitationMode: Sendable, Equatable, Codable {
    case form(ElicitationForm)
    /// Open `url`; the agent says `elicitation/complete` with `elicitationId` when it is done.
    case url(url: String, elicitationId: String)
}

/// The answer to an elicitation (ACP `CreateElicitationResponse`).
public enum ElicitationOutcome: Sendable, Equatable {
    /// The user accepted: the form's values (empty for a URL elicitation).
    case accept([String: ElicitationValue])
    case decline
    /// Cancelled: by a cancel, close or reset, a timeout, or a restart.
    case cancel
}

/// Sends the answer to an elicitation back to the agent, once.
public typealias ElicitationReply = AgentReply<ElicitationOutcome>

/// The elicitation side of a turn's runtime events: a new request, a request the agent withdrew
/// (`$/cancel_request`, for an elicitation or a permission request), a URL elicitation completed.
public enum ElicitationSignal: Sendable {
    case request(ElicitationRequest)
    /// The agent withdrew its request with this id (an `ElicitationRequest.id` or a
    /// `PermissionRequest.id`); the runtime already answered it `cancel`/`cancelled`.
    case withdrawn(requestId: String)
    /// `elicitation/complete`: the URL elicitation with this `elicitationId` is done.
    case completed(elicitationId: String)
}
