/// A failure with a stable code (CONTRACT.md §5), a message that is safe to show in chat,
/// an optional `next:` hint, and a detail that goes to the log only.
public struct ACPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable error codes. Their raw values are part of the external contract.
    public enum Code: String, Sendable, CaseIterable, Codable {
        case backendMissing = "ACP_BACKEND_MISSING"
        case backendUnavailable = "ACP_BACKEND_UNAVAILABLE"
        case sessionInitFailed = "ACP_SESSION_INIT_FAILED"
        case turnFailed = "ACP_TURN_FAILED"
        case turnTimeout = "ACP_TURN_TIMEOUT"
        case dispatchDisabled = "ACP_DISPATCH_DISABLED"
        case agentNotAllowed = "ACP_AGENT_NOT_ALLOWED"
        case sessionLimit = "ACP_SESSION_LIMIT"
        case sessionNotFound = "ACP_SESSION_NOT_FOUND"
        case sessionClosed = "ACP_SESSION_CLOSED"
        case notBound = "ACP_NOT_BOUND"
        case bindingConflict = "ACP_BINDING_CONFLICT"
        case invalidArgument = "ACP_INVALID_ARGUMENT"
        case permissionTimeout = "ACP_PERMISSION_TIMEOUT"
        case protocolError = "ACP_PROTOCOL_ERROR"
        case configInvalid = "CONFIG_INVALID"

        /// The one user-facing message of this code, used when a call site has nothing more specific.
        public var defaultMessage: String {
            switch self {
            case .backendMissing: "the runtime backend is not registered"
            case .backendUnavailable: "the runtime backend is not available right now"
            case .sessionInitFailed: "the agent session could not be started"
            case .turnFailed: "the agent turn failed"
            case .turnTimeout: "the agent turn took too long and was stopped"
            case .dispatchDisabled: "messages are not sent to agents (acp.dispatch.enabled is false)"
            case .agentNotAllowed: "that agent is not allowed here"
            case .sessionLimit: "too many live agent sessions"
            case .sessionNotFound: "no such session"
            case .sessionClosed: "the session is closed"
            case .notBound: "this conversation is not bound to a session"
            case .bindingConflict: "this conversation is already bound to another session"
            case .invalidArgument: "invalid argument"
            case .permissionTimeout: "the permission request was not answered in time"
            case .protocolError: "the agent broke the ACP protocol"
            case .configInvalid: "the configuration is invalid"
            }
        }

        /// The `next:` hint shown under the message.
        public var defaultHint: String {
            switch self {
            case .backendMissing: "check acp.backend and agents.<id>.backend in the config, then run `acpd doctor`"
            case .backendUnavailable: "run `acpd doctor` to see why the backend is unhealthy"
            case .sessionInitFailed: "run `acpd doctor` to check that the agent starts and answers initialize"
            case .turnFailed: "send the message again; if it keeps failing, run /acp status"
            case .turnTimeout: "split the task into smaller steps, or raise acp.turnTimeoutSeconds"
            case .dispatchDisabled: "set acp.dispatch.enabled: true to send messages to agents"
            case .agentNotAllowed: "use an agent listed in acp.allowedAgents"
            case .sessionLimit: "close an idle session with /acp close, or raise acp.maxConcurrentSessions"
            case .sessionNotFound: "list sessions with /acp sessions"
            case .sessionClosed: "start a new one with /acp spawn"
            case .notBound: "bind this conversation with /acp spawn --bind here or /acp bind <session>"
            case .bindingConflict: "unbind first with /acp unbind"
            case .invalidArgument: "see /acp help"
            case .permissionTimeout: "answer permission requests with /acp allow <n> or /acp reject <n>"
            case .protocolError: "check the agent's logs; run `acpd doctor`"
            case .configInvalid: "run `acpd config validate` to see every error"
            }
        }
    }

    public let code: Code
    /// Safe to show in chat: never contains secrets, paths of acpd internals or stack traces.
    public let message: String
    /// The `next:` line, or nil for none.
    public let hint: String?
    /// For logs only; never shown in chat.
    public let detail: String?

    public init(_ code: Code, message: String? = nil, hint: String? = nil, detail: String? = nil) {
        self.code = code
        self.message = message ?? code.defaultMessage
        self.hint = hint ?? code.defaultHint
        self.detail = detail
    }

    /// The chat form: `ERROR: <CODE>: <message>` and, when there is a hint, a `next:` line.
    public var chatText: String {
        var text = "ERROR: \(code.rawValue): \(message)"
        if let hint { text += "\nnext: \(hint)" }
        return text
    }

    public var description: String {
        detail.map { "\(code.rawValue): \(message) (\($0))" } ?? "\(code.rawValue): \(message)"
    }
}
