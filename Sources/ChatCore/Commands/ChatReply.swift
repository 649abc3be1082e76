import ACPControlPlane
import Bindings

/// The one place that formats command replies (CONTRACT.md §4): every reply is one message that
/// starts with `OK: ` or `ERROR: `.
public enum ChatReply {
    /// Exactly `ERROR: unauthorized`.
    public static let unauthorized = "ERROR: unauthorized"
    /// Exactly `ERROR: rate limited (try again later)`.
    public static let rateLimited = "ERROR: rate limited (try again later)"
    /// The reply to a guarded command while the sender is locked.
    public static let locked = "ERROR: locked (send /auth <secret> first)"

    /// `OK: <message>`.
    public static func ok(_ message: String) -> String { "OK: \(message)" }

    /// `ERROR: <message>` (an error without a code).
    public static func error(_ message: String) -> String { "ERROR: \(message)" }

    /// `ERROR: <CODE>: <message>` and, when there is a hint, `\nnext: <hint>` (`ACPError.chatText`).
    public static func error(_ error: ACPError) -> String { error.chatText }
}
