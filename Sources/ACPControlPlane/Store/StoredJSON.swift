/// JSON the store writes on every message (a run's prompt, a submit's idempotency result),
/// produced directly instead of through Foundation's `JSONEncoder` (which costs tens of
/// microseconds a call on the inbound path). The output is exactly what the types' `Codable`
/// conformances decode; tests decode it with `JSONDecoder` and compare.
enum StoredJSON {
    /// `text` as a JSON string literal: quotes, backslash and control characters escaped
    /// (`\n \r \t` short, the others `\u00xx`), everything else as is. Works on the UTF-8
    /// bytes and copies the runs that need no escape at once (a prompt is on every message's path).
    static func string(_ text: String) -> String {
        var text = text
        let bytes: [UInt8] = text.withUTF8 { utf8 in
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count + 2)
            out.append(UInt8(ascii: "\""))
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
            }
            if runStart < utf8.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
            out.append(UInt8(ascii: "\""))
            return out
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A run's prompt, in the shape of `[ContentBlock]`'s synthesized `Codable`
    /// (`{"text":{"_0":"…"}}`, `{"resourceLink":{"uri":…,"name":…,"mimeType":…}}`, …; nil fields left out).
    static func prompt(_ blocks: [ContentBlock]) -> String {
        "[" + blocks.map(block).joined(separator: ",") + "]"
    }

    private static func block(_ block: ContentBlock) -> String {
        switch block {
        case .text(let text):
            return #"{"text":{"_0":"# + string(text) + "}}"
        case .resourceLink(let uri, let name, let mimeType):
            return #"{"resourceLink":"# + object([("uri", uri), ("name", name), ("mimeType", mimeType)]) + "}"
        case .image(let base64, let mimeType):
            return #"{"image":"# + object([("base64", base64), ("mimeType", mimeType)]) + "}"
        case .audio(let base64, let mimeType):
            return #"{"audio":"# + object([("base64", base64), ("mimeType", mimeType)]) + "}"
        case .embeddedText(let uri, let text, let mimeType):
            return #"{"embeddedText":"# + object([("uri", uri), ("text", text), ("mimeType", mimeType)]) + "}"
        }
    }

    private static func object(_ fields: [(String, String?)]) -> String {
        "{" + fields.compactMap { key, value in value.map { string(key) + ":" + string($0) } }.joined(separator: ",") + "}"
    }

    /// A `SubmitResult`, in the shape of its synthesized `Codable`.
    static func submitResult(_ result: SubmitResult) -> String {
        #"{"runId":"# + string(result.runId.rawValue) + #","position":\#(result.position),"replayed":\#(result.replayed)}"#
    }
}
