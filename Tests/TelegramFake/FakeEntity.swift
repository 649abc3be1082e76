import JSONKit

/// A `MessageEntity` of a message the fake stores (offsets in UTF-16 code units).
public struct FakeEntity: Sendable, Equatable {
    public var type: String
    public var offset: Int
    public var length: Int
    public var language: String?
    public var url: String?

    public init(type: String, offset: Int, length: Int, language: String? = nil, url: String? = nil) {
        self.type = type
        self.offset = offset
        self.length = length
        self.language = language
        self.url = url
    }

    /// The Bot API's entity types.
    static let knownTypes: Set<String> = [
        "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bold", "italic", "underline",
        "strikethrough", "spoiler", "blockquote", "expandable_blockquote", "code", "pre", "text_link", "text_mention",
        "custom_emoji", "date_time",
    ]

    /// The `entities` of a `sendMessage`/`editMessageText` for `text`, checked the way Telegram
    /// checks them, or the description of a 400 answer ("Bad Request: can't parse entities: …").
    static func parse(_ value: JSONValue?, text: String) -> Result<[FakeEntity], FakeEntityError> {
        guard let value, !value.isNull else { return .success([]) }
        guard case .array(let items) = value else { return .failure(.init("entities must be an array")) }
        let units = Array(text.utf16)
        var entities: [FakeEntity] = []
        for (index, item) in items.enumerated() {
            guard let type = item["type"]?.stringValue, case .int(let offset)? = item["offset"], case .int(let length)? = item["length"] else {
                return .failure(.init("entity \(index) needs type, offset and length"))
            }
            guard knownTypes.contains(type) else { return .failure(.init("unsupported entity type \"\(type)\"")) }
            guard offset >= 0, length > 0, offset + length <= Int64(units.count) else {
                return .failure(.init("entity \(index) (\(type) \(offset)+\(length)) is outside the text of \(units.count) UTF-16 units"))
            }
            // An entity must not start or end between the two halves of a surrogate pair.
            for edge in [Int(offset), Int(offset + length)] where edge > 0 && edge < units.count {
                if UTF16.isTrailSurrogate(units[edge]) && UTF16.isLeadSurrogate(units[edge - 1]) {
                    return .failure(.init("entity \(index) splits a surrogate pair at \(edge)"))
                }
            }
            let language = item["language"]?.stringValue, url = item["url"]?.stringValue
            if language != nil, type != "pre" { return .failure(.init("language is only for pre entities")) }
            if type == "text_link" {
                guard let url, url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("tg://") else {
                    return .failure(.init("text_link entity \(index) needs an http, https or tg url"))
                }
            } else if url != nil {
                return .failure(.init("url is only for text_link entities"))
            }
            entities.append(FakeEntity(type: type, offset: Int(offset), length: Int(length), language: language, url: url))
        }
        return .success(entities)
    }

    /// Checks `text` sent with `parse_mode` like Telegram (simplified): in `MarkdownV2` every
    /// reserved character outside code must be escaped with `\` unless it is a balanced marker;
    /// in `HTML` `<` must open a supported tag and `&` an entity. Returns the error description.
    static func checkParseMode(_ mode: String, text: String) -> FakeEntityError? {
        switch mode {
        case "MarkdownV2":
            var inCode = false
            var markers: [Character: Int] = [:]
            var index = text.startIndex
            while index < text.endIndex {
                let character = text[index]
                index = text.index(after: index)
                if character == "\\" {
                    if index < text.endIndex { index = text.index(after: index) }
                    continue
                }
                if character == "`" { inCode.toggle(); continue }
                if inCode { continue }
                if "_*~|[]()".contains(character) {
                    markers[character, default: 0] += 1
                } else if ">#+-={}.!".contains(character) {
                    return FakeEntityError("Character '\(character)' is reserved and must be escaped with the preceding '\\'")
                }
            }
            if inCode { return FakeEntityError("can't find end of the entity") }
            for (marker, count) in markers where "_*~|".contains(marker) && count % 2 != 0 {
                return FakeEntityError("can't find end of the entity starting at '\(marker)'")
            }
            if markers["[", default: 0] != markers["]", default: 0] || markers["(", default: 0] != markers[")", default: 0] {
                return FakeEntityError("Character '[' is reserved and must be escaped with the preceding '\\'")
            }
            return nil
        case "HTML":
            let tags: Set<Substring> = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
                                        "blockquote", "tg-spoiler", "span", "tg-emoji"]
            var rest = Substring(text)
            while let open = rest.firstIndex(where: { $0 == "<" || $0 == "&" }) {
                let after = rest[rest.index(after: open)...]
                if rest[open] == "<" {
                    let name = after.drop(while: { $0 == "/" }).prefix(while: { $0.isLetter || $0 == "-" })
                    guard tags.contains(name), let close = after.firstIndex(of: ">") else {
                        return FakeEntityError("Unsupported start tag \"\(name)\"")
                    }
                    rest = after[after.index(after: close)...]
                } else {
                    let name = after.prefix(while: { $0.isLetter || $0 == "#" || $0.isNumber })
                    guard !name.isEmpty, after.dropFirst(name.count).first == ";" else {
                        return FakeEntityError("Unsupported HTML entity")
                    }
                    rest = after.dropFirst(name.count + 1)
                }
            }
            return nil
        case "Markdown":
            for marker: Character in ["*", "_", "`"] where text.filter({ $0 == marker }).count % 2 != 0 {
                return FakeEntityError("can't find end of the entity starting at '\(marker)'")
            }
            return nil
        default:
            return FakeEntityError("unsupported parse_mode \"\(mode)\"")
        }
    }
}

/// Why the fake refused a message's formatting: the text after "Bad Request: can't parse entities: ".
struct FakeEntityError: Error, Sendable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { "Bad Request: can't parse entities: \(reason)" }
}
