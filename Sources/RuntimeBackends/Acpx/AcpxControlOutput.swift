import JSONKit
import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An error acpx reported in JSON mode: a JSON-RPC error response
/// `{"jsonrpc":"2.0","id":…,"error":{"code","message","data":{"acpxCode","detailCode","origin","retryable",…}}}`.
/// acpx writes one before exiting non-zero; the agent's own errors arrive in the same shape.
struct AcpxReportedError: Sendable, Equatable {
    /// The JSON-RPC error code (acpx: -32002 no session, -32070 timeout, -32071 permission denied,
    /// -32072 permission prompt unavailable, -32603 runtime, -32602 usage; or the agent's code).
    var code: Int?
    var message: String
    /// acpx's output code: `NO_SESSION`, `TIMEOUT`, `PERMISSION_DENIED`,
    /// `PERMISSION_PROMPT_UNAVAILABLE`, `RUNTIME`, `USAGE`.
    var acpxCode: String?
    /// e.g. `AUTH_REQUIRED`, `QUEUE_OWNER_CLOSED`.
    var detailCode: String?
    /// `cli`, `runtime`, `queue`, `acp`.
    var origin: String?
    /// acpx's own judgement, when it gives one.
    var retryable: Bool?

    init(code: Int? = nil, message: String, acpxCode: String? = nil, detailCode: String? = nil,
         origin: String? = nil, retryable: Bool? = nil) {
        self.code = code
        self.message = message
        self.acpxCode = acpxCode
        self.detailCode = detailCode
        self.origin = origin
        self.retryable = retryable
    }

    /// Reads the `error` member of a JSON-RPC error response; nil when `message` has none.
    init?(response message: JSONValue) {
        guard let error = message["error"], error.isObject else { return nil }
        let data = error["data"]
        self.init(
            code: error["code"]?.intValue,
            message: error["message"]?.nonEmptyString ?? "acpx reported an error",
            acpxCode: data?["acpxCode"]?.nonEmptyString,
            detailCode: data?["detailCode"]?.nonEmptyString,
            origin: data?["origin"]?.nonEmptyString,
            retryable: data?["retryable"]?.boolValue
        )
    }

    /// One line for logs: code, acpx code and message.
    var logText: String {
        var parts: [String] = []
        if let code { parts.append(String(code)) }
        if let acpxCode { parts.append(acpxCode) }
        if let detailCode { parts.append(detailCode) }
        parts.append(message)
        return parts.joined(separator: " ")
    }
}

/// The result objects of acpx's session-control commands in JSON mode (one JSON object on
/// stdout). Newer acpx names the kind `action`, older releases `type`; both are accepted.
enum AcpxControlResult: Sendable, Equatable {
    /// `sessions ensure` / `sessions new`: `{"action":"session_ensured","created":…,"acpxRecordId",
    /// "acpxSessionId","agentSessionId"?,"name"?}`.
    case ensured(AcpxEnsuredSession)
    /// `sessions close`: `{"action":"session_closed","acpxRecordId",…}`.
    case closed(recordId: String?)
    /// `cancel`: `{"action":"cancel_result","acpxRecordId","cancelled":bool}`.
    case cancelResult(cancelled: Bool)
}

/// What `sessions ensure` says about the session.
struct AcpxEnsuredSession: Sendable, Equatable {
    /// acpx's local record id (also what text output prints).
    var recordId: String
    /// The ACP `sessionId` acpx holds (`acpxSessionId`); what `--resume-session` takes.
    var acpSessionId: String
    /// The provider-native session id, when the adapter exposes one.
    var agentSessionId: String?
    /// True when acpx made a new session; false when it returned an existing record.
    var created: Bool
}

/// Everything a control command printed on stdout, classified.
struct AcpxControlOutput: Sendable, Equatable {
    var results: [AcpxControlResult] = []
    var errors: [AcpxReportedError] = []
    /// Lines that were not JSON objects (acpx in strict mode should print none).
    var malformedLines = 0

    /// Classifies each line of a control command's stdout.
    init(lines: [String]) {
        for line in lines {
            let parsed = AcpxLine.parse(line)
            if case .blank = parsed { continue }
            guard case .object(let json) = parsed else {
                malformedLines += 1
                continue
            }
            if let error = AcpxReportedError(response: json) {
                errors.append(error)
            } else if let result = Self.result(json) {
                results.append(result)
            }
        }
    }

    /// The last `session_ensured` result, if any.
    var ensured: AcpxEnsuredSession? {
        for result in results.reversed() { if case .ensured(let session) = result { return session } }
        return nil
    }

    /// The last `cancel_result`, if any.
    var cancelled: Bool? {
        for result in results.reversed() { if case .cancelResult(let cancelled) = result { return cancelled } }
        return nil
    }

    var closed: Bool {
        results.contains { if case .closed = $0 { true } else { false } }
    }

    static func result(_ json: JSONValue) -> AcpxControlResult? {
        let kind = json["action"]?.stringValue ?? json["type"]?.stringValue
        switch kind {
        case "session_ensured", "session_created":
            let recordId = json["acpxRecordId"]?.nonEmptyString ?? json["id"]?.nonEmptyString
            let sessionId = json["acpxSessionId"]?.nonEmptyString ?? json["sessionId"]?.nonEmptyString ?? recordId
            guard let recordId, let sessionId else { return nil }
            let created = json["created"]?.boolValue ?? (kind == "session_created")
            return .ensured(AcpxEnsuredSession(recordId: recordId, acpSessionId: sessionId,
                                               agentSessionId: json["agentSessionId"]?.nonEmptyString, created: created))
        case "session_closed":
            return .closed(recordId: json["acpxRecordId"]?.nonEmptyString)
        case "cancel_result", "cancel_requested":
            return .cancelResult(cancelled: json["cancelled"]?.boolValue ?? (kind == "cancel_requested"))
        default:
            return nil
        }
    }
}

/// One line of acpx's stdout, parsed with the shared `JSONParser`.
enum AcpxLine {
    case blank
    /// A JSON object (the only top-level shape acpx prints in JSON mode).
    case object(JSONValue)
    /// Not JSON, or JSON that is not an object; `text` is the trimmed line, cut to 200 characters.
    case malformed(text: String)

    static func parse(_ line: String) -> AcpxLine {
        var line = line
        return line.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> AcpxLine {
        guard bytes.contains(where: { !isJSONWhitespace($0) }) else { return .blank }
        if let json = try? JSONParser.parse(bytes), json.isObject { return .object(json) }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        return .malformed(text: String(text.prefix(200)))
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
