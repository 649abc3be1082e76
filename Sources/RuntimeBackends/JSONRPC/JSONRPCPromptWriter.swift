import JSONKit
import ACPControlPlane

/// Writes the `session/prompt` request line directly as bytes, without `JSONEncoder`: the prompt
/// is on every turn's path, and the encoder's boxing costs more than the rest of the send.
///
/// Guarantees: the output is one line of UTF-8 JSON (no raw newline) that parses to the same
/// value as `JSONRPCEncoder.request(id:method:"session/prompt",params:)` writes for the same
/// request (keys may be in another order). Strings are escaped as JSON requires: `"`, `\` and
/// every control character below U+0020 (`\n \r \t`, else `\u00xx`: `JSONStringLiteral`); `/` and all other
/// characters are written as their UTF-8 bytes. Blocks this writer does not spell out by hand
/// (annotations, unknown types) make it return nil, and the caller uses the encoder.
enum JSONRPCPromptWriter {
    /// The whole request line, or nil when a block needs the generic encoder.
    static func request(id: RequestID, _ params: PromptRequest) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(96 + params.sessionId.utf8.count + params.prompt.reduce(0) { $0 + estimatedSize($1) })
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        switch id {
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .string(let value): appendString(value, to: &out)
        case .null: out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: #","method":"session/prompt","params":{"sessionId":"#.utf8)
        appendString(params.sessionId, to: &out)
        out.append(contentsOf: #","prompt":["#.utf8)
        for (index, block) in params.prompt.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard appendBlock(block, to: &out) else { return nil }
        }
        out.append(contentsOf: "]}}".utf8)
        return out
    }

    /// Appends one content block; false for a shape left to the encoder.
    private static func appendBlock(_ block: WireContentBlock, to out: inout [UInt8]) -> Bool {
        switch block {
        case .text(let value):
            guard value.annotations == nil else { return false }
            out.append(contentsOf: #"{"type":"text","text":"#.utf8)
            appendString(value.text, to: &out)
        case .image(let value):
            guard value.annotations == nil else { return false }
            out.append(contentsOf: #"{"type":"image","data":"#.utf8)
            appendString(value.data, to: &out)
            appendMember("mimeType", value.mimeType, to: &out)
            appendMember("uri", value.uri, to: &out)
        case .audio(let value):
            guard value.annotations == nil else { return false }
            out.append(contentsOf: #"{"type":"audio","data":"#.utf8)
            appendString(value.data, to: &out)
            appendMember("mimeType", value.mimeType, to: &out)
        case .resourceLink(let value):
            guard value.annotations == nil else { return false }
            out.append(contentsOf: #"{"type":"resource_link","uri":"#.utf8)
            appendString(value.uri, to: &out)
            appendMember("name", value.name, to: &out)
            appendMember("mimeType", value.mimeType, to: &out)
            appendMember("title", value.title, to: &out)
            appendMember("description", value.description, to: &out)
            if let size = value.size {
                out.append(contentsOf: #","size":"#.utf8)
                out.append(contentsOf: String(size).utf8)
            }
        case .resource(let value):
            guard value.annotations == nil else { return false }
            let resource = value.resource
            out.append(contentsOf: #"{"type":"resource","resource":{"uri":"#.utf8)
            appendString(resource.uri, to: &out)
            appendMember("mimeType", resource.mimeType, to: &out)
            appendMember("text", resource.text, to: &out)
            appendMember("blob", resource.blob, to: &out)
            out.append(UInt8(ascii: "}"))
        case .unknown:
            return false
        }
        out.append(UInt8(ascii: "}"))
        return true
    }

    /// `,"key":"value"`, nothing when `value` is nil (as `encodeIfPresent` does). Keys are ASCII
    /// names that need no escaping.
    private static func appendMember(_ key: StaticString, _ value: String?, to out: inout [UInt8]) {
        guard let value else { return }
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: #"":"#.utf8)
        appendString(value, to: &out)
    }

    /// Appends `text` as a JSON string literal: runs of bytes that need no escape are copied at once.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        JSONStringLiteral.append(text, to: &out)
    }

    private static func estimatedSize(_ block: WireContentBlock) -> Int {
        switch block {
        case .text(let value): 32 + value.text.utf8.count
        case .image(let value): 64 + value.data.utf8.count
        case .audio(let value): 64 + value.data.utf8.count
        default: 128
        }
    }
}
