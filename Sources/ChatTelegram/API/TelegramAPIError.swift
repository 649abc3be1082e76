import ChatCore

/// Why a Bot API call failed, as far as the caller can tell.
public enum TelegramAPIError: Error, Sendable, Equatable {
    /// Telegram answered `ok: false`: its `error_code` (or the HTTP status), `description` and,
    /// for 429, `parameters.retry_after` in seconds.
    case api(code: Int, description: String, retryAfter: Int?)
    /// The request never reached Telegram (connection refused, connect timeout): nothing happened.
    case notSent(String)
    /// The request left but no usable answer came back (timeout, dropped connection, garbage):
    /// Telegram may or may not have applied it.
    case lost(String)
    /// The calling task was cancelled.
    case cancelled

    /// Telegram's description for "the edit changes nothing" (a success for acpd).
    static let notModified = "message is not modified"

    /// Whether this is Telegram's answer that an edit changes nothing.
    public var isNotModified: Bool {
        if case .api(400, let description, _) = self { return description.contains(Self.notModified) }
        return false
    }

    /// Whether Telegram refused the message's formatting (a 400 naming its entities, such as
    /// "can't parse entities" or "ENTITY_BOUNDS_INVALID", or a text link's URL): the same
    /// message may still go out as plain text.
    public var rejectsEntities: Bool {
        guard case .api(400, let description, _) = self else { return false }
        let lower = description.lowercased()
        return lower.contains("entit") || lower.contains("http url")
    }

    /// The `result` label of `acpd_channel_requests_total`: a few stable words.
    var metricResult: String {
        switch self {
        case .api(429, _, _): "rate_limited"
        case .api(let code, let description, _) where code == 400 && description.contains(Self.notModified): "ok"
        case .api(let code, _, _) where code >= 500: "server_error"
        case .api: "client_error"
        case .notSent: "not_sent"
        case .lost: "lost"
        case .cancelled: "cancelled"
        }
    }

    /// What the send queue makes of it (`ChatChannel`'s error contract).
    public var channelError: ChannelError {
        switch self {
        case .api(429, _, let retryAfter):
            .rateLimited(retryAfter: retryAfter.map { .seconds($0) })
        case .api(let code, let description, _) where code >= 500:
            .transient("Telegram answered \(code): \(description)")
        case .api(let code, let description, _):
            .permanent("Telegram answered \(code): \(description)")
        case .notSent(let reason):
            .transient("Telegram could not be reached: \(reason)")
        case .lost(let reason):
            .outcomeUnknown("no answer from Telegram: \(reason)")
        case .cancelled:
            .transient("cancelled")
        }
    }
}

extension TelegramAPIError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .api(let code, let description, let retryAfter):
            "Telegram answered \(code): \(description)" + (retryAfter.map { " (retry after \($0) s)" } ?? "")
        case .notSent(let reason): "Telegram could not be reached: \(reason)"
        case .lost(let reason): "no answer from Telegram: \(reason)"
        case .cancelled: "cancelled"
        }
    }
}
