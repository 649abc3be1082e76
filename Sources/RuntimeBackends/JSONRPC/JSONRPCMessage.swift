#if canImport(FoundationEssentials)
import JSONKit
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON-RPC request id: an integer or a string (or null), echoed back exactly as received.
public enum RequestID: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int64)
    case string(String)
    case null

    init?(json: JSONValue) {
        switch json {
        case .int(let value): self = .int(value)
        case .string(let value): self = .string(value)
        case .null: self = .null
        case .double(let value):
            guard let exact = Int64(exactly: value) else { return nil }
            self = .int(exact)
        default: return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    public var description: String {
        switch self {
        case .int(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .null: "null"
        }
    }
}

/// A JSON-RPC error object (`{code, message, data?}`).
public struct JSONRPCError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public static let authenticationRequired = -32000
    public static let resourceNotFound = -32002
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    public static let requestCancelled = -32800

    public var description: String { "\(message) (\(code))" }
}

/// One message from the peer, classified by its shape: `method`+`id` is a request, `method`
/// alone a notification, `id` alone a response.
public enum JSONRPCMessage: Sendable {
    case request(id: RequestID, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    case response(id: RequestID, result: Result<JSONValue, JSONRPCError>)

    /// Classifies a parsed message; nil for anything that is not a JSON-RPC 2.0 message object
    /// (batches included: ACP v1 does not use them).
    public init?(json: JSONValue) {
        guard case .object(let object) = json else { return nil }
        if let methodValue = object["method"] {
            guard case .string(let method) = methodValue else { return nil }
            let params = object["params"]
            if let idValue = object["id"] {
                guard let id = RequestID(json: idValue) else { return nil }
                self = .request(id: id, method: method, params: params)
            } else {
                self = .notification(method: method, params: params)
            }
            return
        }
        guard let idValue = object["id"], let id = RequestID(json: idValue) else { return nil }
        if let errorValue = object["error"], !errorValue.isNull {
            let error = (try? JSONValueDecoder.decode(JSONRPCError.self, from: errorValue))
                ?? JSONRPCError(code: JSONRPCError.internalError, message: "malformed error object")
            self = .response(id: id, result: .failure(error))
        } else if let result = object["result"] {
            self = .response(id: id, result: .success(result))
        } else {
            return nil
        }
    }
}

/// Encodes outgoing JSON-RPC messages as single lines (no raw newlines, UTF-8).
enum JSONRPCEncoder {
    private struct Request<Params: Encodable>: Encodable {
        let jsonrpc = "2.0"
        let id: RequestID
        let method: String
        let params: Params
    }

    private struct Notification<Params: Encodable>: Encodable {
        let jsonrpc = "2.0"
        let method: String
        let params: Params
    }

    private struct Success<Result: Encodable>: Encodable {
        let jsonrpc = "2.0"
        let id: RequestID
        let result: Result
    }

    private struct Failure: Encodable {
        let jsonrpc = "2.0"
        let id: RequestID
        let error: JSONRPCError
    }

    private static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func request(id: RequestID, method: String, params: some Encodable) throws -> [UInt8] {
        try encode(Request(id: id, method: method, params: params))
    }

    static func notification(method: String, params: some Encodable) throws -> [UInt8] {
        try encode(Notification(method: method, params: params))
    }

    static func result(id: RequestID, _ result: some Encodable) throws -> [UInt8] {
        try encode(Success(id: id, result: result))
    }

    static func error(id: RequestID, _ error: JSONRPCError) -> [UInt8] {
        (try? encode(Failure(id: id, error: error)))
            ?? Array(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"encoding failed"}}"#.utf8)
    }
}
