#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one stored event says. Run events end with exactly one terminal payload
/// (`completed`, `failed` or `cancelled`); session events (`sessionClosed`, `sessionReset`) belong
/// to no run.
public enum EventPayload: Sendable, Equatable {
    /// The run left the queue and its turn is starting.
    case runStarted
    /// Agent output or thought text.
    case text(TextDelta)
    /// A tool call was created or patched.
    case toolCall(ToolCallInfo)
    /// The agent's whole current plan.
    case plan([PlanEntry])
    /// The agent asks permission; answer with `SessionManager.answerPermission`.
    case permissionRequested(PermissionPrompt)
    /// A permission request got its answer (`outcome`: selected, cancelled, timeout, auto).
    case permissionResolved(PermissionResolution)
    /// An elicitation was asked, filled in part, answered or withdrawn (`ElicitationEvent`).
    case elicitation(ElicitationEvent)
    case usage(Usage)
    case modeChanged(String)
    case commandsUpdated([AgentCommand])
    case sessionInfo(title: String?)
    /// The agent could not restore its earlier session: a fresh one was made and the agent no
    /// longer knows the conversation so far. Always shown to the conversation.
    case contextLost(reason: String)
    /// Informational line for the conversation (e.g. runtime restarted after a crash).
    case notice(String)
    /// Terminal: the turn ended with this ACP stop reason (not `cancelled`).
    case completed(stopReason: String)
    /// Terminal: the run failed with this code and chat-safe message.
    case failed(code: ACPError.Code, message: String)
    /// Terminal: the run was cancelled (before or during its turn).
    case cancelled
    /// Session event: the session was closed (its runtime bindings ended in the same transaction).
    case sessionClosed(reason: String)
    /// Session event: the agent-side session was ended; the next turn starts a fresh one.
    case sessionReset

    /// True for the payloads that end a run.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        default: false
        }
    }

    /// The stored `kind` column.
    public var kind: String {
        switch self {
        case .runStarted: "run_started"
        case .text(let delta): delta.stream == .output ? "text" : "thought"
        case .toolCall: "tool_call"
        case .plan: "plan"
        case .permissionRequested: "permission"
        case .permissionResolved: "permission_resolved"
        case .elicitation(let event): event.kind
        case .usage: "usage"
        case .modeChanged: "mode"
        case .commandsUpdated: "commands"
        case .sessionInfo: "session_info"
        case .contextLost: "context_lost"
        case .notice: "notice"
        case .completed: "completed"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .sessionClosed: "session_closed"
        case .sessionReset: "session_reset"
        }
    }
}

/// A permission request as the conversation sees it.
public struct PermissionPrompt: Sendable, Equatable, Codable {
    /// The store id (`acp_permission_requests.id`): what `/acp allow <n>` names.
    public var id: Int64
    public var toolCallId: String
    public var title: String
    /// ACP `ToolKind` of the call (read, edit, execute, …), if the agent said.
    public var toolKind: String?
    public var options: [PermissionOption]
    /// When an unanswered request is rejected.
    public var deadline: Date
    /// Set when `acp.permissions.mode` answers the request at once: the answer it gets (its
    /// `permissionResolved` event follows). Chat then shows one settled line, not a prompt.
    public var automatic: PermissionResolution?

    public init(id: Int64, toolCallId: String, title: String, toolKind: String?, options: [PermissionOption], deadline: Date,
                automatic: PermissionResolution? = nil) {
        self.id = id
        self.toolCallId = toolCallId
        self.title = title
        self.toolKind = toolKind
        self.options = options
        self.deadline = deadline
        self.automatic = automatic
    }
}

/// How a permission request was answered.
public struct PermissionResolution: Sendable, Equatable, Codable {
    public enum How: String, Sendable, Codable {
        /// Someone answered with `answerPermission`.
        case answered
        /// `acp.permissions.mode` answered it at once.
        case auto
        /// Nobody answered before the deadline: a reject option (or cancelled) was sent.
        case timedOut = "timed_out"
        /// The run was cancelled (or the session closed/reset): answered `cancelled`.
        case cancelled
        /// The agent withdrew it (`$/cancel_request`): answered `cancelled`.
        case withdrawn
    }

    public var id: Int64
    public var how: How
    /// The option sent to the agent; nil when the outcome was `cancelled`.
    public var optionId: String?

    public init(id: Int64, how: How, optionId: String?) {
        self.id = id
        self.how = how
        self.optionId = optionId
    }
}

/// One committed event, as consumers receive it (live or replayed from the store).
public struct ControlPlaneEvent: Sendable, Equatable {
    /// The store's global, increasing id of this event.
    public let id: Int64
    public let sessionKey: SessionKey
    /// Nil for session events.
    public let runId: RunID?
    /// Strictly increasing per run, from 1; for session events, increasing per session.
    public let seq: Int64
    /// Where the run's output goes (the conversation that submitted it), if any.
    public let conversation: ConversationRef?
    public let payload: EventPayload
    public let at: Date

    public init(id: Int64, sessionKey: SessionKey, runId: RunID?, seq: Int64, conversation: ConversationRef?,
                payload: EventPayload, at: Date) {
        self.id = id
        self.sessionKey = sessionKey
        self.runId = runId
        self.seq = seq
        self.conversation = conversation
        self.payload = payload
        self.at = at
    }
}
