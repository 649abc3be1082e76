import JSONKit
import RuntimeBackends

/// The JSON parser and the JSON-RPC decoder, on what an agent may write: whatever parses writes
/// back to JSON that parses to the same value (and writes the same again), and the JSON-RPC
/// decoder classifies it without trapping.
enum JSONRPCFuzz {
    static let target = FuzzTarget(name: "jsonrpc", dictionary: ["{", "}", "[", "]", "\"", "\\u", "\\ud83d", "\\ude80", ":", ",", "1e400", "-0",
                                                                 "9223372036854775808", "null", "true", "\"jsonrpc\":\"2.0\"", "\"id\":",
                                                                 "\"method\":", "\"result\":", "\"error\":{\"code\":-32603,\"message\":\"x\"}",
                                                                 "\"params\":"]) { bytes throws(FuzzFailure) in
        try check(bytes)
    }

    static func check(_ bytes: [UInt8]) throws(FuzzFailure) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        let text = value.jsonText()
        let again: JSONValue
        do { again = try JSONParser.parse(Array(text.utf8)) } catch {
            throw FuzzFailure("the writer's output does not parse: \(text.prefix(200)) (\(error))")
        }
        try fuzzCheck(again == value, "the value changed through the writer: \(text.prefix(200))")
        try fuzzCheck(again.jsonText() == text, "the writer is not stable: \(text.prefix(200)) vs \(again.jsonText().prefix(200))")
        _ = JSONRPCMessage(json: value)
    }
}
