import Hummingbird
import JSONKit

/// The JSON bodies and errors of acpd's HTTP endpoints (CONTRACT.md §7), shared by the http
/// channel's routes and the daemon's API.
public enum HTTPResponses {
    /// A JSON response: compact, keys sorted, `/` not escaped.
    public static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        let text = value.jsonText(options: [.sortedKeys, .withoutEscapingSlashes])
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `{"error": {"code", "message"}}` with `status`.
    public static func error(_ status: HTTPResponse.Status, code: String, _ message: String) -> Response {
        json(["error": ["code": JSONValue(code), "message": JSONValue(message)]], status: status)
    }

    /// Plain text (metrics, health).
    public static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// One message of an http conversation's log.
    public static func message(_ message: HTTPLoggedMessage) -> JSONValue {
        ["seq": .int(message.seq), "id": JSONValue(message.id), "kind": JSONValue(message.kind), "runId": JSONValue(message.runId),
         "text": JSONValue(message.text), "final": JSONValue(message.final)]
    }
}
