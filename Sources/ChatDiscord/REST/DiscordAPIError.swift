import ChatCore

/// Why a Discord REST call failed, as far as the caller can tell.
public enum DiscordAPIError: Error, Sendable, Equatable {
    /// Discord answered HTTP `status` with its JSON error `code` (if any) and `message`; for 429,
    /// `retryAfter` and whether the limit is the global one.
    case api(status: Int, code: Int?, message: String, retryAfter: Duration?, global: Bool)
    /// A rate-limit bucket is used up for longer than the client waits; nothing was sent.
    case bucketExhausted(retryAfter: Duration)
    /// The request never reached Discord (connection refused, connect timeout): nothing happened.
    case notSent(String)
    /// The request left but no usable answer came back: Discord may or may not have applied it.
    case lost(String)
    /// The calling task was cancelled.
    case cancelled

    /// A Discord answer without rate-limit details.
    static func api(_ status: Int, code: Int? = nil, _ message: String) -> DiscordAPIError {
        .api(status: status, code: code, message: message, retryAfter: nil, global: false)
    }

    /// The `result` label of `acpd_channel_requests_total`.
    var metricResult: String {
        switch self {
        case .api(429, _, _, _, _), .bucketExhausted: "rate_limited"
        case .api(let status, _, _, _, _) where status >= 500: "server_error"
        case .api: "client_error"
        case .notSent: "not_sent"
        case .lost: "lost"
        case .cancelled: "cancelled"
        }
    }

    /// What the send queue makes of it (`ChatChannel`'s error contract).
    public var channelError: ChannelError {
        switch self {
        case .api(429, _, _, let retryAfter, _):
            .rateLimited(retryAfter: retryAfter)
        case .bucketExhausted(let retryAfter):
            .rateLimited(retryAfter: retryAfter)
        case .api(let status, _, let message, _, _) where status >= 500:
            .transient("Discord answered \(status): \(message)")
        case .api(let status, let code, let message, _, _):
            .permanent("Discord answered \(status)" + (code.map { " (code \($0))" } ?? "") + ": \(message)")
        case .notSent(let reason):
            .transient("Discord could not be reached: \(reason)")
        case .lost(let reason):
            .outcomeUnknown("no answer from Discord: \(reason)")
        case .cancelled:
            .transient("cancelled")
        }
    }
}

extension DiscordAPIError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .api(let status, let code, let message, let retryAfter, let global):
            "Discord answered \(status)" + (code.map { " (code \($0))" } ?? "") + ": \(message)"
                + (retryAfter.map { " (retry after \($0)\(global ? ", global" : ""))" } ?? "")
        case .bucketExhausted(let wait): "rate-limit bucket used up for \(wait)"
        case .notSent(let reason): "Discord could not be reached: \(reason)"
        case .lost(let reason): "no answer from Discord: \(reason)"
        case .cancelled: "cancelled"
        }
    }
}
