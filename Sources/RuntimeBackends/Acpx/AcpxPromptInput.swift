import ACPControlPlane
import Foundation

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
            let trimmed = joined.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { return nil }
            let singleLine = !trimmed.contains(where: \.isNewline)
            if singleLine, !trimmed.hasPrefix("[") { return trimmed }
        }
        return jsonArray(prompt)
    }

    /// The prompt as one line of JSON: an array of ACP `ContentBlock`s.
    static func jsonArray(_ prompt: [ContentBlock]) -> String {
        let blocks = prompt.map(WireBlock.init)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(blocks), let text = String(data: data, encoding: .utf8) else {
            // Encoding plain strings cannot fail; keep a safe fallback anyway.
            return "[]"
        }
        return text
    }

    /// ACP's wire shape of a content block.
    private struct WireBlock: Encodable {
        let block: ContentBlock
        init(_ block: ContentBlock) { self.block = block }

        private enum Keys: String, CodingKey { case type, text, uri, name, mimeType, data, resource }
        private struct Resource: Encodable {
            let uri: String
            let text: String
            let mimeType: String?
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            switch block {
            case .text(let text):
                try container.encode("text", forKey: .type)
                try container.encode(text, forKey: .text)
            case .resourceLink(let uri, let name, let mimeType):
                try container.encode("resource_link", forKey: .type)
                try container.encode(uri, forKey: .uri)
                try container.encode(name, forKey: .name)
                try container.encodeIfPresent(mimeType, forKey: .mimeType)
            case .image(let base64, let mimeType):
                try container.encode("image", forKey: .type)
                try container.encode(base64, forKey: .data)
                try container.encode(mimeType, forKey: .mimeType)
            case .audio(let base64, let mimeType):
                try container.encode("audio", forKey: .type)
                try container.encode(base64, forKey: .data)
                try container.encode(mimeType, forKey: .mimeType)
            case .embeddedText(let uri, let text, let mimeType):
                try container.encode("resource", forKey: .type)
                try container.encode(Resource(uri: uri, text: text, mimeType: mimeType), forKey: .resource)
            }
        }
    }
}
