import JSONKit

/// What the gateway connection tells its channel.
public enum GatewayEvent: Sendable, Equatable {
    /// A dispatch (op 0) other than RESUMED, in sequence order: READY, MESSAGE_CREATE, …
    case dispatch(name: String, data: JSONValue)
    /// A new session started (after READY was dispatched).
    case ready(sessionId: String)
    /// The session was resumed; the events missed while away were dispatched before this.
    case resumed
    /// The socket closed and the connection will try again.
    case disconnected(code: UInt16?)
    /// The gateway refused the account for good.
    case failed(GatewayFailure)
}
