import ChatCore
import JSONKit
@testable import ChatTelegram
@testable import TelegramFake

/// Markdown → platform formatting and splitting. The Telegram renderer keeps its guarantees
/// (`TelegramMarkdown`): the text is never longer than the Markdown (UTF-16), has no leading or
/// trailing whitespace, entities are accepted by the fake's Telegram rules, lie on character
/// boundaries, nest properly, nothing inside `pre`/`code`, no `code` inside a link, no entity
/// inside one of its kind. The splitter (`TextSplitter`, every platform's limit) gives non-empty
/// pieces within the limit with no whitespace at their ends that, without whitespace, are the text
/// (fences aside), and every piece renders within the limit.
enum MarkdownFuzz {
    static let target = FuzzTarget(name: "markdown", dictionary: [
        "**", "__", "*", "_", "~~", "`", "```", "```swift\n", "~~~", "\n```\n", "# ", "###### ", "> ", "[", "](", ")", "](https://example.com)",
        "](tg://user?id=1)", "](javascript:x)", "\\", "\\*", "\n", "\n\n", ". ", "!", "?", " ", "\t", "🚀", "👩‍👩‍👧", "é", "e\u{301}", "\u{200B}",
        "\u{00A0}", "\r\n", "日本語",
    ]) { bytes throws(FuzzFailure) in
        let markdown = String(decoding: bytes, as: UTF8.self)
        try checkRender(markdown)
        var random = FuzzRandom(bytes: bytes)
        let limit = 16 + random.below(200)
        let pieces = TextSplitter(limit: limit).split(markdown)
        for piece in pieces {
            try fuzzCheck(!piece.isEmpty && piece.utf16.count <= limit, "a piece of \(piece.utf16.count) UTF-16 units for a limit of \(limit)")
            try fuzzCheck(piece.first?.isWhitespace == false && piece.last?.isWhitespace == false, "a piece with whitespace at an end: \(piece.debugDescription)")
            let rendered = TelegramMarkdown.render(piece)
            try fuzzCheck(rendered.text.utf16.count <= limit, "a piece renders longer than the limit")
        }
        if !markdown.contains("```") {
            let kept = pieces.joined().filter { !$0.isWhitespace }
            try fuzzCheck(kept == markdown.filter { !$0.isWhitespace }, "the pieces are not the text: \(pieces.map(\.debugDescription))")
        }
        if markdown.contains(where: { !$0.isWhitespace }) {
            try fuzzCheck(!pieces.isEmpty, "text that is not all whitespace gave no piece")
        }
    }

    static func checkRender(_ markdown: String) throws(FuzzFailure) {
        let rendered = TelegramMarkdown.render(markdown)
        let text = rendered.text
        try fuzzCheck(text.utf16.count <= markdown.utf16.count, "rendered text longer than the Markdown")
        try fuzzCheck(text.first?.isWhitespace != true && text.last?.isWhitespace != true, "rendered text has whitespace at an end: \(text.debugDescription)")
        if case .failure(let error) = FakeEntity.parse(.array(rendered.entities.map(\.json)), text: text) {
            throw FuzzFailure("Telegram would refuse the entities: \(error) for \(text.debugDescription)")
        }
        // Telegram counts entities in UTF-16 code units: an entity must not split a surrogate pair
        // (a Unicode scalar). It may split a grapheme: dropping a delimiter can join what it
        // separated, as in "👩‍`👩…`" (the ZWJ then joins the next emoji; corpus `zwj-code-span`).
        var boundaries: Set<Int> = [0]
        var offset = 0
        for scalar in text.unicodeScalars {
            offset += UTF16.width(scalar)
            boundaries.insert(offset)
        }
        let entities = rendered.entities
        for entity in entities {
            try fuzzCheck(entity.length > 0 && boundaries.contains(entity.offset) && boundaries.contains(entity.offset + entity.length),
                          "\(entity) does not lie on Unicode scalar boundaries of \(text.debugDescription)")
        }
        for (i, a) in entities.enumerated() {
            for b in entities[(i + 1)...] {
                let (aEnd, bEnd) = (a.offset + a.length, b.offset + b.length)
                let disjoint = aEnd <= b.offset || bEnd <= a.offset
                let aInB = b.offset <= a.offset && aEnd <= bEnd
                let bInA = a.offset <= b.offset && bEnd <= aEnd
                try fuzzCheck(disjoint || aInB || bInA, "\(a) and \(b) overlap partly in \(text.debugDescription)")
                guard !disjoint else { continue }
                let (outer, inner) = bInA ? (a, b) : (b, a)
                try fuzzCheck(outer.kind != inner.kind, "\(inner) inside an entity of its kind")
                try fuzzCheck(outer.kind != .pre && outer.kind != .code, "\(inner) inside \(outer.kind)")
                try fuzzCheck(!(outer.kind == .textLink && inner.kind == .code), "code inside a link")
            }
        }
    }
}
