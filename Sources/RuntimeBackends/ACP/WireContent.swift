import JSONKit

/// ACP `ContentBlock` as it travels on the wire (same shape as MCP content). Unknown types are
/// kept verbatim (`unknown`) so nothing fails on content from newer agents.
public enum WireContentBlock: Sendable, Equatable, Codable {
    case text(Text)
    case image(Image)
    case audio(Audio)
    case resourceLink(ResourceLink)
    case resource(Resource)
    case unknown(JSONValue)

    public struct Text: Sendable, Equatable, Codable {
        public var text: String
        public var annotations: JSONValue?
        public init(text: String, annotations: JSONValue? = nil) { self.text = text; self.annotations = annotations }
    }

    public struct Image: Sendable, Equatable, Codable {
        public var data: String
        public var mimeType: String
        public var uri: String?
        public var annotations: JSONValue?
    }

    public struct Audio: Sendable, Equatable, Codable {
        public var data: String
        public var mimeType: String
        public var annotations: JSONValue?
    }

    public struct ResourceLink: Sendable, Equatable, Codable {
        public var uri: String
        public var name: String
        public var mimeType: String?
        public var title: String?
        public var description: String?
        public var size: Int64?
        public var annotations: JSONValue?
    }

    public struct Resource: Sendable, Equatable, Codable {
        public var resource: EmbeddedResource
        public var annotations: JSONValue?
    }

    /// `{uri, text, mimeType?}` or `{uri, blob, mimeType?}`.
    public struct EmbeddedResource: Sendable, Equatable, Codable {
        public var uri: String
        public var mimeType: String?
        public var text: String?
        public var blob: String?
    }

    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        switch type {
        case "text": self = .text(try Text(from: decoder))
        case "image": self = .image(try Image(from: decoder))
        case "audio": self = .audio(try Audio(from: decoder))
        case "resource_link": self = .resourceLink(try ResourceLink(from: decoder))
        case "resource": self = .resource(try Resource(from: decoder))
        default: self = .unknown(try JSONValue(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        let type: String
        switch self {
        case .text(let value): type = "text"; try value.encode(to: encoder)
        case .image(let value): type = "image"; try value.encode(to: encoder)
        case .audio(let value): type = "audio"; try value.encode(to: encoder)
        case .resourceLink(let value): type = "resource_link"; try value.encode(to: encoder)
        case .resource(let value): type = "resource"; try value.encode(to: encoder)
        case .unknown(let value): try value.encode(to: encoder); return
        }
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(type, forKey: .type)
    }

    /// The block as text for chat, shared by every backend: text as is, a resource link by its
    /// title (else name, else URI), an embedded resource by its text, and the rest as a short
    /// bracketed marker (`[image image/png]`).
    public var displayText: String {
        switch self {
        case .text(let value): value.text
        case .image(let value): "[image \(value.mimeType)]"
        case .audio(let value): "[audio \(value.mimeType)]"
        case .resourceLink(let value): value.title.nonBlank ?? value.name.nonBlank ?? value.uri
        case .resource(let value): value.resource.text ?? "[resource \(value.resource.uri)]"
        case .unknown: "[unsupported content]"
        }
    }
}

/// ACP `ToolCallContent`: regular content, a diff, or an embedded terminal.
public enum WireToolCallContent: Sendable, Equatable, Codable {
    case content(WireContentBlock)
    case diff(path: String, oldText: String?, newText: String)
    case terminal(terminalId: String)
    case unknown(JSONValue)

    private enum Keys: String, CodingKey { case type, content, path, oldText, newText, terminalId }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "content":
            self = .content(try container.decode(WireContentBlock.self, forKey: .content))
        case "diff":
            self = .diff(path: try container.decode(String.self, forKey: .path),
                         oldText: try container.decodeIfPresent(String.self, forKey: .oldText),
                         newText: try container.decode(String.self, forKey: .newText))
        case "terminal":
            self = .terminal(terminalId: try container.decode(String.self, forKey: .terminalId))
        default:
            self = .unknown(try JSONValue(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if case .unknown(let value) = self { try value.encode(to: encoder); return }
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .content(let block):
            try container.encode("content", forKey: .type)
            try container.encode(block, forKey: .content)
        case .diff(let path, let oldText, let newText):
            try container.encode("diff", forKey: .type)
            try container.encode(path, forKey: .path)
            try container.encodeIfPresent(oldText, forKey: .oldText)
            try container.encode(newText, forKey: .newText)
        case .terminal(let id):
            try container.encode("terminal", forKey: .type)
            try container.encode(id, forKey: .terminalId)
        case .unknown:
            break
        }
    }

    /// A one-line summary for chat: the text, `diff: <path>`, or `terminal: <id>`.
    public var displayText: String {
        switch self {
        case .content(let block): block.displayText
        case .diff(let path, _, _): "diff: \(path)"
        case .terminal(let id): "terminal: \(id)"
        case .unknown: "[unsupported tool content]"
        }
    }
}

private extension Optional<String> {
    /// The string when it has a non-blank character, else nil.
    var nonBlank: String? {
        guard let self, self.contains(where: { !$0.isWhitespace }) else { return nil }
        return self
    }
}

private extension String {
    var nonBlank: String? { Optional(self).nonBlank }
}
