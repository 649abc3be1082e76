import JSONKit
import ACPControlPlane

/// One message from an ACP agent, decoded and typed in a single pass over the line.
public enum AgentMessage: Sendable {
    /// `session/update`.
    case sessionUpdate(SessionNotification)
    /// `$/cancel_request`: the agent withdraws one of its requests.
    case cancelRequest(RequestID)
    /// Any other notification (ignored by acpd; logged).
    case notification(method: String, params: JSONValue?)
    /// A request acpd must answer exactly once.
    case request(id: RequestID, AgentRequest)
    /// A request of a known method whose params do not match the schema (answer -32602).
    case invalidRequest(id: RequestID, method: String, reason: String)
    /// A notification of a known method whose params do not match the schema (log and drop).
    case invalidNotification(method: String, reason: String)
    /// The answer to one of acpd's requests; the result is typed by whoever sent the request.
    case response(id: RequestID, result: Result<JSONValue, JSONRPCError>)
}

/// The agent → client requests acpd understands; everything else is `other` (answered -32601).
public enum AgentRequest: Sendable {
    case requestPermission(RequestPermissionRequest)
    case readTextFile(ReadTextFileRequest)
    case writeTextFile(WriteTextFileRequest)
    /// `elicitation/create`, its params as sent (typed by `ElicitationWire`).
    case createElicitation(JSONValue)
    case other(method: String)

    public var method: String {
        switch self {
        case .requestPermission: "session/request_permission"
        case .readTextFile: "fs/read_text_file"
        case .writeTextFile: "fs/write_text_file"
        case .createElicitation: "elicitation/create"
        case .other(let method): method
        }
    }
}

extension AgentMessage {
    /// Decodes one NDJSON line from an agent. Throws `ACP_PROTOCOL_ERROR` for a line that is not
    /// JSON or not a JSON-RPC message; the caller logs it and goes on (one bad line never ends
    /// the connection).
    public static func decode(line: UnsafeRawBufferPointer) throws(ACPError) -> AgentMessage {
        let json: JSONValue
        do {
            json = try JSONParser.parse(line)
        } catch {
            throw ACPError(.protocolError, message: "the agent sent a line that is not JSON", detail: error.description)
        }
        guard let message = JSONRPCMessage(json: json) else {
            throw ACPError(.protocolError, message: "the agent sent something that is not a JSON-RPC message")
        }
        return typed(message)
    }

    /// Decodes one NDJSON line from an agent; see `decode(line:)`.
    public static func decode(line: [UInt8]) throws(ACPError) -> AgentMessage {
        let result: Result<AgentMessage, ACPError> = line.withUnsafeBytes { bytes in
            do throws(ACPError) { return .success(try decode(line: bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    static func typed(_ message: JSONRPCMessage) -> AgentMessage {
        switch message {
        case .response(let id, let result):
            return .response(id: id, result: result)
        case .notification(let method, let params):
            switch method {
            case "session/update":
                if let chunk = SessionNotification.plainTextChunk(params) { return .sessionUpdate(chunk) }
                do {
                    return .sessionUpdate(try JSONValueDecoder.decode(SessionNotification.self, from: params ?? .null))
                } catch {
                    return .invalidNotification(method: method, reason: "\(error)")
                }
            case "$/cancel_request":
                do {
                    return .cancelRequest(try JSONValueDecoder.decode(CancelRequestNotification.self, from: params ?? .null).requestId)
                } catch {
                    return .invalidNotification(method: method, reason: "\(error)")
                }
            default:
                return .notification(method: method, params: params)
            }
        case .request(let id, let method, let params):
            do {
                switch method {
                case "session/request_permission":
                    return .request(id: id, .requestPermission(try JSONValueDecoder.decode(RequestPermissionRequest.self, from: params ?? .null)))
                case "fs/read_text_file":
                    return .request(id: id, .readTextFile(try JSONValueDecoder.decode(ReadTextFileRequest.self, from: params ?? .null)))
                case "fs/write_text_file":
                    return .request(id: id, .writeTextFile(try JSONValueDecoder.decode(WriteTextFileRequest.self, from: params ?? .null)))
                case "elicitation/create":
                    return .request(id: id, .createElicitation(params ?? .null))
                default:
                    return .request(id: id, .other(method: method))
                }
            } catch {
                return .invalidRequest(id: id, method: method, reason: "\(error)")
            }
        }
    }

    /// Types a response result; `null` counts as `{}` (agents send either for empty results).
    public static func decodeResult<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(ACPError) -> T {
        do {
            return try JSONValueDecoder.decode(type, from: value.isNull ? .object(JSONObject()) : value)
        } catch {
            throw ACPError(.protocolError, message: "the agent sent an invalid \(type) result", detail: "\(error)")
        }
    }
}
