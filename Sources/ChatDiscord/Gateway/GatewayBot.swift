import JSONKit

/// `GET /gateway/bot`: where to connect and how many new sessions may still start.
public struct GatewayBot: Sendable, Equatable {
    /// The gateway URL (`wss://gateway.discord.gg`).
    public var url: String
    /// Identifies left in the current window (`session_start_limit.remaining`).
    public var sessionStartsRemaining: Int
    /// When the window resets (`session_start_limit.reset_after`, milliseconds).
    public var resetAfter: Duration

    /// A gateway answer.
    public init(url: String, sessionStartsRemaining: Int, resetAfter: Duration) {
        self.url = url
        self.sessionStartsRemaining = sessionStartsRemaining
        self.resetAfter = resetAfter
    }

    /// Decodes the answer; nil without a `url`. A missing limit counts as not exhausted.
    public init?(json: JSONValue) {
        guard let url = json["url"]?.stringValue, !url.isEmpty else { return nil }
        self.url = url
        let limit = json["session_start_limit"]
        sessionStartsRemaining = if case .int(let value)? = limit?["remaining"] { Int(value) } else { 1 }
        resetAfter = if case .int(let value)? = limit?["reset_after"] { .milliseconds(value) } else { .zero }
    }

    /// `url` with the version and encoding acpd speaks (`?v=10&encoding=json`); a URL without a
    /// path gets `/`.
    public static func connectURL(_ url: String) -> String {
        var base = url
        if let query = base.firstIndex(of: "?") { base = String(base[..<query]) }
        let afterScheme = base.firstRange(of: "://").map { base[$0.upperBound...] } ?? base[...]
        if !afterScheme.contains("/") { base += "/" }
        return base + "?v=10&encoding=json"
    }
}
