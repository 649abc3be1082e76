import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one line written to `acpx prompt --file -` on stdin (then stdin is closed).
///
/// acpx reads stdin whole, trims it, and treats it as one text block unless it starts with `[`
/// and parses as a JSON array of ACP content blocks, which it then sends as is (an array that
/// does not validate is a usage error, exit 2). So a prompt that is a single line of text not
/// starting with `[` is written as it is; anything else (several lines, other block kinds, text
/// that would be mistaken for an array) is written as the JSON array of ACP content blocks, which
/// is one line because JSON escapes newlines.
enum AcpxPromptInput {
    /// The stdin line for `prompt`, or nil when the prompt is empty (acpx rejects an empty prompt
    /// with a usage error). Never contains a newline.
    static func encode(_ prompt: [ContentBlock]) -> String? {
        guard !prompt.isEmpty else { return nil }
        let texts = prompt.compactMap(\.plainText)
        if texts.count == prompt.count {
            let joined = texts.joined(separator: "\n")
            let trimmed = joined.trimmingWhitespace()
            if trimmed.isEmpty { return nil }
            let singleLine = !trimmed.contains(where: \.isNewline)
            if singleLine, !trimmed.hasPrefix("[") { return trimmed }
        }
        return jsonArray(prompt)
    }

    /// The prompt as one line of JSON: an array of ACP `ContentBlock`s, in the same wire form as
    /// the `stdio` backend's `session/prompt` (`WireContentBlock(prompt:)`), keys sorted.
    static func jsonArray(_ prompt: [ContentBlock]) -> String {
        let blocks = prompt.map(WireContentBlock.init(prompt:))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(blocks), let text = String(data: data, encoding: .utf8) else {
            // Encoding plain strings cannot fail; keep a safe fallback anyway.
            return "[]"
        }
        return text
    }
}
