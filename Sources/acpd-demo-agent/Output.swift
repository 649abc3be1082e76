import Foundation

/// Serialises every message the agent writes to stdout: one `write(2)` loop per message, so
/// lines never interleave, and nothing is buffered (each message is on the pipe when `send`
/// returns).
actor Output {
    /// Encodes `message` as one NDJSON line and writes it.
    /// `asciiOnly` escapes all non-ASCII text like Python's `ensure_ascii`.
    func send(_ message: JSON, asciiOnly: Bool = false) {
        let line = JSONWriter.line(message, asciiOnly: asciiOnly)
        if !FD.writeAll(1, line) {
            Log.line("stdout is closed (errno \(errno)); exiting")
            exit(0)
        }
    }

    /// Writes `text` and a newline as is: not JSON (the `[garbage]` keyword's broken line).
    func raw(_ text: String) {
        if !FD.writeAll(1, Array((text + "\n").utf8)) {
            Log.line("stdout is closed (errno \(errno)); exiting")
            exit(0)
        }
    }

    /// A JSON-RPC success response.
    func respond(id: JSON, result: JSON, asciiOnly: Bool = false) {
        send(.object([("jsonrpc", .string("2.0")), ("id", id), ("result", result)]), asciiOnly: asciiOnly)
    }

    /// A JSON-RPC error response.
    func respondError(id: JSON, _ error: RPCError) {
        var body: [(String, JSON)] = [("code", .int(Int64(error.code))), ("message", .string(error.message))]
        if let data = error.data { body.append(("data", data)) }
        send(.object([("jsonrpc", .string("2.0")), ("id", id), ("error", .object(body))]))
    }

    /// A JSON-RPC notification.
    func notify(_ method: String, _ params: JSON, asciiOnly: Bool = false) {
        send(.object([("jsonrpc", .string("2.0")), ("method", .string(method)), ("params", params)]), asciiOnly: asciiOnly)
    }
}

/// A JSON-RPC error the agent answers a request with.
struct RPCError: Error, Sendable {
    let code: Int
    let message: String
    var data: JSON? = nil

    static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: -32601, message: "Method not found", data: .object([("method", .string(method))]))
    }
    static func invalidParams(_ why: String) -> RPCError { RPCError(code: -32602, message: "Invalid params: \(why)") }
    static let authRequired = RPCError(code: -32000, message: "Authentication required")
    static func sessionNotFound(_ id: String) -> RPCError {
        RPCError(code: -32002, message: "Resource not found", data: .object([("sessionId", .string(id))]))
    }
    static func internalError(_ why: String) -> RPCError { RPCError(code: -32603, message: why) }
}

/// Raw file-descriptor writes.
enum FD {
    /// Writes all of `bytes` to `fd`, retrying on partial writes and EINTR. False on error.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return true }
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, base + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }
}

/// One-line diagnostics on stderr (never stdout). Each line is a single `write(2)`.
enum Log {
    static func line(_ text: String) {
        _ = FD.writeAll(2, Array("acpd-demo-agent[\(getpid())]: \(text)\n".utf8))
    }
}
