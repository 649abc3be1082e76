import JSONKit

/// JSON the store writes on every message (a run's prompt, a submit's idempotency result),
/// produced directly instead of through Foundation's `JSONEncoder` (which costs tens of
/// microseconds a call on the inbound path). The output is exactly what the types' `Codable`
/// conformances decode; tests decode it with `JSONDecoder` and compare.
enum StoredJSON {
    /// `text` as a JSON string literal: quotes, backslash and control characters escaped
    /// (`\n \r \t` short, the others `\u00xx`), everything else as is. Works on the UTF-8
    /// bytes and copies the runs that need no escape at once (a prompt is on every message's path).
    static func string(_ text: String) -> String {
        JSONStringLiteral.make(text)
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
