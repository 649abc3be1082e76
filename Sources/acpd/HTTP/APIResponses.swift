import JSONKit
import ACPControlPlane
import Bindings
import ChatCore
import ChatHTTP
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// JSON bodies and errors of the HTTP API (CONTRACT.md §7).
enum APIResponses {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response { HTTPResponses.json(value, status: status) }
    static func error(_ status: HTTPResponse.Status, code: String, _ message: String) -> Response {
        HTTPResponses.error(status, code: code, message)
    }
    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        HTTPResponses.text(text, contentType: contentType, status: status)
    }

    static func time(_ date: Date?) -> JSONValue { JSONValue(date.map { $0.formatted(.iso8601) }) }

    /// A session; what a chat user typed (label, cwd) is redacted like a chat reply.
    /// One chat account (`GET /v1/channels`, `acpd channels --json`).
    static func account(_ status: ChannelAccountStatus) -> JSONValue {
        ["channel": JSONValue(status.channel.rawValue), "account": JSONValue(status.accountId), "state": JSONValue(status.state.rawValue),
         "since": JSONValue(status.since.formatted(.iso8601)), "lastError": JSONValue(status.lastError)]
    }

    static func session(_ session: SessionRecord, bindings: [BindingRecord], redactor: Redactor) -> JSONValue {
        [
            "key": JSONValue(session.key.rawValue), "label": JSONValue(session.label.map(redactor.redact)), "agent": JSONValue(session.agentId),
            "state": JSONValue(session.state.rawValue), "mode": JSONValue(session.mode.rawValue), "backend": JSONValue(session.backend),
            "cwd": JSONValue(redactor.redact(session.cwd)), "bindings": JSONValue(bindings.map { "\($0.source.rawValue):\($0.conversation.canonical)" }),
            "createdAt": time(session.createdAt), "lastActivityAt": time(session.lastActivityAt),
            "lastErrorCode": JSONValue(session.lastErrorCode?.rawValue),
        ]
    }

    static func binding(_ binding: BindingRecord) -> JSONValue {
        [
            "id": .int(binding.id), "source": JSONValue(binding.source.rawValue), "conversation": JSONValue(binding.conversation.canonical),
            "sessionKey": JSONValue(binding.sessionKey.rawValue), "persist": JSONValue(binding.persist || binding.source != .runtime),
            "createdAt": time(binding.createdAt), "lastActivityAt": time(binding.lastActivityAt),
            "expiresAt": time(binding.expiresAt),
        ]
    }

    /// A run; its error message is redacted like a chat reply.
    static func run(_ run: RunRecord, redactor: Redactor) -> JSONValue {
        [
            "id": JSONValue(run.id.rawValue), "sessionKey": JSONValue(run.sessionKey.rawValue), "state": JSONValue(run.state.rawValue),
            "lane": run.lane == .steer ? "steer" : "normal", "conversation": JSONValue(run.conversation?.canonical),
            "stopReason": JSONValue(run.stopReason), "errorCode": JSONValue(run.errorCode?.rawValue),
            "errorMessage": JSONValue(run.errorMessage.map(redactor.redact)), "submittedAt": time(run.submittedAt),
            "startedAt": time(run.startedAt), "endedAt": time(run.endedAt),
        ]
    }
}
