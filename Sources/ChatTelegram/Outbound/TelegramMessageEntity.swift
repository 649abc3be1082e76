import JSONKit

/// A Bot API `MessageEntity` acpd sends: one formatted span of a message's text, counted in
/// UTF-16 code units (as Telegram counts).
public struct TelegramMessageEntity: Sendable, Equatable {
    /// The entity types acpd produces (a subset of Telegram's).
    public enum Kind: String, Sendable, Equatable {
        case bold, italic, strikethrough, code, pre, blockquote
        case textLink = "text_link"
    }

    public var kind: Kind
    /// Start, in UTF-16 code units from the start of the text.
    public var offset: Int
    /// Length in UTF-16 code units (never 0).
    public var length: Int
    /// The code block's language (`pre` only).
    public var language: String?
    /// The link's target (`text_link` only).
    public var url: String?

    /// An entity of `kind` over `offset..<offset + length` (UTF-16 code units).
    public init(_ kind: Kind, offset: Int, length: Int, language: String? = nil, url: String? = nil) {
        self.kind = kind
        self.offset = offset
        self.length = length
        self.language = language
        self.url = url
    }

    /// One past its last UTF-16 code unit.
    public var end: Int { offset + length }

    /// The entity as the Bot API's JSON object.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["type": .string(kind.rawValue), "offset": JSONValue(offset), "length": JSONValue(length)]
        if let language { object["language"] = .string(language) }
        if let url { object["url"] = .string(url) }
        return JSONValue(object)
    }
}
