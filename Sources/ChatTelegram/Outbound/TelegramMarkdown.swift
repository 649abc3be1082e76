/// Renders the Markdown agents write as Telegram text plus `MessageEntity`s, sent with
/// `entities` (never `parse_mode`), so a message cannot fail with "can't parse entities".
///
/// Hand-written because no Foundation-free Markdown parser is available to the project
/// (swift-markdown is not in the package mirror; Ink imports Foundation and emits HTML).
///
/// Understood (CommonMark-like, line by line, then inline per paragraph):
/// - fenced code (```` ``` ```` or `~~~`, any indent) → `pre` with the info string's first word
///   as `language`; a fence left open runs to the end of the text;
/// - `#`…`######` headings → the heading text in bold;
/// - `> ` lines (one level) → `blockquote`;
/// - inline code spans → `code`; `**`/`__` → bold; `*`/`_` → italic (`_` not inside words);
///   `~~` → strikethrough; `[text](url)` → `text_link` when the URL is http, https or tg
///   (otherwise the link stays as typed); backslash escapes of ASCII punctuation.
/// Everything else (lists, tables, rules, stray markers) stays as typed.
///
/// Guarantees: the text is never longer (in UTF-16 code units) than the Markdown, so a piece
/// that fits Telegram's limit as Markdown fits once rendered; it has no leading or trailing
/// whitespace (Telegram strips it and moves the entities; trimming here keeps what is sent
/// equal to what Telegram stores, so "message is not modified" compares like with like);
/// entities have a positive length inside the text, start and end on character boundaries,
/// nest properly (no partial overlap, no entity inside the same kind), and nothing is inside
/// `pre`/`code` or `code` inside `text_link`. Pure: no I/O, no Foundation.
enum TelegramMarkdown {
    /// A rendered message: its text and entities, sorted by offset (outer before inner).
    struct Rendered: Sendable, Equatable {
        var text: String
        var entities: [TelegramMessageEntity]
    }

    /// `markdown` rendered as Telegram text and entities.
    static func render(_ markdown: String) -> Rendered {
        var renderer = BlockRenderer(lines: lines(of: markdown), source: markdown)
        renderer.run()
        return finish(renderer.out)
    }

    // MARK: Lines and blocks

    struct Line {
        var content: Substring
        /// `\n`, `\r\n`, or empty for the last line.
        var terminator: Substring
    }

    static func lines(of text: String) -> [Line] {
        var result: [Line] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == "\n" || text[index] == "\r\n" {
                result.append(Line(content: text[start..<index], terminator: text[index..<next]))
                start = next
            }
            index = next
        }
        if start < text.endIndex { result.append(Line(content: text[start...], terminator: text[text.endIndex...])) }
        return result
    }

    /// An opening code fence: its character, run length, indent and language.
    struct Fence {
        var marker: Character
        var count: Int
        var indent: Int
        var language: String?
    }

    static func openingFence(_ line: Substring) -> Fence? {
        let indent = line.prefix(while: { $0 == " " }).count
        let rest = line.dropFirst(indent)
        guard let marker = rest.first, marker == "`" || marker == "~" else { return nil }
        let count = rest.prefix(while: { $0 == marker }).count
        guard count >= 3 else { return nil }
        let info = rest.dropFirst(count)
        if marker == "`", info.contains("`") { return nil }
        let word = info.drop(while: \.isWhitespace).prefix(while: { !$0.isWhitespace })
        return Fence(marker: marker, count: count, indent: indent, language: word.isEmpty ? nil : String(word))
    }

    static func closes(_ fence: Fence, _ line: Substring) -> Bool {
        let rest = line.drop(while: { $0 == " " })
        let count = rest.prefix(while: { $0 == fence.marker }).count
        return count >= fence.count && rest.dropFirst(count).allSatisfy(\.isWhitespace)
    }

    /// The text of an ATX heading line (`## Title ##` → "Title").
    static func heading(_ line: Substring) -> Substring? {
        let indent = line.prefix(while: { $0 == " " }).count
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        let level = rest.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(level) else { return nil }
        let after = rest.dropFirst(level)
        guard after.isEmpty || after.first == " " || after.first == "\t" else { return nil }
        var text = trimmed(after)
        // An optional closing sequence of #s, after a space.
        let withoutClosing = text.prefix(text.count - text.reversed().prefix(while: { $0 == "#" }).count)
        if withoutClosing.isEmpty || withoutClosing.last == " " || withoutClosing.last == "\t" {
            text = trimmed(withoutClosing)
        }
        return text
    }

    /// A blockquote line's text without its `>` (and one space after it).
    static func quoted(_ line: Substring) -> Substring? {
        let indent = line.prefix(while: { $0 == " " }).count
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        guard rest.first == ">" else { return nil }
        let text = rest.dropFirst()
        return text.first == " " ? text.dropFirst() : text
    }

    static func trimmed(_ text: Substring) -> Substring {
        let start = text.drop(while: \.isWhitespace)
        var end = start.endIndex
        while end > start.startIndex, start[start.index(before: end)].isWhitespace { end = start.index(before: end) }
        return start[start.startIndex..<end]
    }

    /// Walks the lines, writing blocks; paragraphs are collected and rendered inline.
    struct BlockRenderer {
        let lines: [Line]
        let source: String
        var out = Writer()
        private var paragraph: Range<Int>?

        init(lines: [Line], source: String) {
            self.lines = lines
            self.source = source
        }

        mutating func run() {
            var index = 0
            while index < lines.count {
                let line = lines[index]
                if let fence = openingFence(line.content) {
                    flushParagraph()
                    index = codeBlock(fence, from: index)
                } else if line.content.allSatisfy(\.isWhitespace) {
                    flushParagraph()
                    out.append(line.content)
                    out.append(line.terminator)
                    index += 1
                } else if let text = heading(line.content) {
                    flushParagraph()
                    let start = out.units
                    Inline.render(text, into: &out)
                    out.add(.bold, from: start)
                    out.append(line.terminator)
                    index += 1
                } else if quoted(line.content) != nil {
                    flushParagraph()
                    index = quote(from: index)
                } else {
                    paragraph = (paragraph?.lowerBound ?? index)..<(index + 1)
                    index += 1
                }
            }
            flushParagraph()
        }

        private mutating func flushParagraph() {
            guard let range = paragraph else { return }
            paragraph = nil
            let text = source[lines[range.lowerBound].content.startIndex..<lines[range.upperBound - 1].content.endIndex]
            Inline.render(text, into: &out)
            out.append(lines[range.upperBound - 1].terminator)
        }

        /// Writes the code block opened at line `index` as `pre`; returns the line after it.
        private mutating func codeBlock(_ fence: Fence, from index: Int) -> Int {
            let start = out.units
            var line = index + 1
            while line < lines.count, !closes(fence, lines[line].content) {
                if line > index + 1 { out.append(lines[line - 1].terminator) }
                let content = lines[line].content
                let indent = min(fence.indent, content.prefix(while: { $0 == " " }).count)
                out.append(content.dropFirst(indent))
                line += 1
            }
            out.add(.pre, from: start, language: fence.language)
            guard line < lines.count else { return line }
            out.append(lines[line].terminator)
            return line + 1
        }

        /// Writes the blockquote starting at line `index`; returns the line after it.
        private mutating func quote(from index: Int) -> Int {
            var text = ""
            var line = index
            while line < lines.count, let quotedText = quoted(lines[line].content) {
                if line > index { text += lines[line - 1].terminator }
                text += quotedText
                line += 1
            }
            let start = out.units
            Inline.render(Substring(text), into: &out)
            out.add(.blockquote, from: start)
            out.append(lines[line - 1].terminator)
            return line
        }
    }

    // MARK: Output

    /// The text written so far (with its UTF-16 length) and the entities closed so far.
    struct Writer {
        var text = ""
        var units = 0
        var entities: [TelegramMessageEntity] = []

        mutating func append(_ part: some StringProtocol) {
            text += part
            units += part.utf16.count
        }

        mutating func append(_ character: Character) {
            text.append(character)
            units += character.utf16.count
        }

        /// Adds an entity from `start` to the end of the text, unless it would be empty.
        mutating func add(_ kind: TelegramMessageEntity.Kind, from start: Int, language: String? = nil, url: String? = nil) {
            guard units > start else { return }
            entities.append(TelegramMessageEntity(kind, offset: start, length: units - start, language: language, url: url))
        }
    }

    /// Trims the text (Telegram would, moving the entities), clips and orders the entities and
    /// drops any that would break Telegram's nesting rules.
    static func finish(_ out: Writer) -> Rendered {
        let text = out.text
        var start = text.startIndex, lead = 0
        while start < text.endIndex, text[start].isWhitespace {
            lead += text[start].utf16.count
            start = text.index(after: start)
        }
        var end = text.endIndex
        while end > start, text[text.index(before: end)].isWhitespace { end = text.index(before: end) }
        let body = String(text[start..<end])
        let total = body.utf16.count
        let clipped = out.entities.enumerated().compactMap { index, entity -> (Int, TelegramMessageEntity)? in
            var entity = entity
            let from = max(entity.offset - lead, 0), to = min(entity.end - lead, total)
            guard to > from else { return nil }
            entity.offset = from
            entity.length = to - from
            return (index, entity)
        }
        // Outer first: by offset, then longer first, then by kind (code innermost).
        let sorted = clipped.sorted { a, b in
            if a.1.offset != b.1.offset { return a.1.offset < b.1.offset }
            if a.1.length != b.1.length { return a.1.length > b.1.length }
            if rank(a.1.kind) != rank(b.1.kind) { return rank(a.1.kind) < rank(b.1.kind) }
            return a.0 < b.0
        }.map(\.1)
        var kept: [TelegramMessageEntity] = []
        var open: [TelegramMessageEntity] = []
        for entity in sorted {
            while let last = open.last, last.end <= entity.offset { open.removeLast() }
            if let last = open.last, entity.end > last.end { continue }
            if open.contains(where: { !may(contain: entity.kind, $0.kind) }) { continue }
            kept.append(entity)
            open.append(entity)
        }
        return Rendered(text: body, entities: kept)
    }

    private static func rank(_ kind: TelegramMessageEntity.Kind) -> Int {
        switch kind {
        case .blockquote: 0
        case .textLink: 1
        case .bold: 2
        case .italic: 3
        case .strikethrough: 4
        case .code, .pre: 5
        }
    }

    /// Whether an entity of kind `outer` may contain one of kind `inner` (Telegram: nothing
    /// inside code or pre; a link holds only text styles; no kind inside itself).
    private static func may(contain inner: TelegramMessageEntity.Kind, _ outer: TelegramMessageEntity.Kind) -> Bool {
        if inner == outer { return false }
        switch outer {
        case .code, .pre: return false
        case .textLink: return inner == .bold || inner == .italic || inner == .strikethrough
        case .bold, .italic, .strikethrough, .blockquote: return true
        }
    }
}
