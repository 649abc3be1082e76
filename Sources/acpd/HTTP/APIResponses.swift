import ACPControlPlane
import Bindings
import Foundation
import Hummingbird

/// JSON bodies and errors of the HTTP API (CONTRACT.md §7).
enum APIResponses {
    /// A JSON response from a JSONSerialization-compatible object (dictionaries, arrays, NSNull).
    static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `{"error": {"code", "message"}}` with `status`.
    static func error(_ status: HTTPResponse.Status, code: String, _ message: String) -> Response {
        json(["error": ["code": code, "message": message]], status: status)
    }

    /// Plain text (metrics, health).
    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func time(_ date: Date?) -> Any { date.map { $0.formatted(.iso8601) } ?? NSNull() }

    /// A session; what a chat user typed (label, cwd) is redacted like a chat reply.
    static func session(_ session: SessionRecord, bindings: [BindingRecord], redactor: Redactor) -> [String: Any] {
        [
            "key": session.key.rawValue, "label": session.label.map(redactor.redact) ?? NSNull(), "agent": session.agentId,
            "state": session.state.rawValue, "mode": session.mode.rawValue, "backend": session.backend,
            "cwd": redactor.redact(session.cwd), "bindings": bindings.map { "\($0.source.rawValue):\($0.conversation.canonical)" },
            "createdAt": time(session.createdAt), "lastActivityAt": time(session.lastActivityAt),
            "lastErrorCode": session.lastErrorCode?.rawValue ?? NSNull(),
        ]
    }

    static func binding(_ binding: BindingRecord) -> [String: Any] {
        [
            "id": binding.id, "source": binding.source.rawValue, "conversation": binding.conversation.canonical,
            "sessionKey": binding.sessionKey.rawValue, "persist": binding.persist || binding.source != .runtime,
            "createdAt": time(binding.createdAt), "lastActivityAt": time(binding.lastActivityAt),
            "expiresAt": time(binding.expiresAt),
        ]
    }

    /// A run; its error message is redacted like a chat reply.
    static func run(_ run: RunRecord, redactor: Redactor) -> [String: Any] {
        [
            "id": run.id.rawValue, "sessionKey": run.sessionKey.rawValue, "state": run.state.rawValue,
            "lane": run.lane == .steer ? "steer" : "normal", "conversation": run.conversation?.canonical ?? NSNull(),
            "stopReason": run.stopReason ?? NSNull(), "errorCode": run.errorCode?.rawValue ?? NSNull(),
            "errorMessage": run.errorMessage.map(redactor.redact) ?? NSNull(), "submittedAt": time(run.submittedAt),
            "startedAt": time(run.startedAt), "endedAt": time(run.endedAt),
        ]
    }

    static func message(_ message: HTTPLoggedMessage) -> [String: Any] {
        ["seq": message.seq, "id": message.id, "kind": message.kind, "runId": message.runId ?? NSNull(),
         "text": message.text, "final": message.final]
    }
}
