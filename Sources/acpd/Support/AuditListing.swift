import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONKit

/// Audit log rows as JSON (`GET /v1/audit`, `acpd audit --json`).
enum AuditListing {
    static func entry(_ entry: AuditEntry) -> JSONValue {
        ["id": .int(entry.id), "at": APIResponses.time(entry.at), "channel": JSONValue(entry.channel),
         "account": JSONValue(entry.accountId), "conversation": JSONValue(entry.conversationId), "sender": JSONValue(entry.sender),
         "command": JSONValue(entry.command), "result": JSONValue(entry.result), "session": JSONValue(entry.sessionKey),
         "run": JSONValue(entry.runId), "detail": JSONValue(entry.detail)]
    }
}

/// `--since` and `?since=`: a duration back from now, `<number><unit>` with unit `s`, `m`, `h` or `d`
/// (`90s`, `15m`, `24h`, `7d`).
enum AuditDuration {
    /// The duration in seconds, or nil when `text` is not one.
    static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let number = Double(text.dropLast()), number >= 0, number.isFinite else { return nil }
        switch unit {
        case "s": return number
        case "m": return number * 60
        case "h": return number * 3600
        case "d": return number * 86_400
        default: return nil
        }
    }
}
