import ChatCore
@testable import ChatTelegram
import Testing

/// An entity as the tables write it: `kind offset+length [language|url]`.
private func describe(_ entity: TelegramMessageEntity) -> String {
    "\(entity.kind.rawValue) \(entity.offset)+\(entity.length)" + (entity.language.map { " \($0)" } ?? "") + (entity.url.map { " \($0)" } ?? "")
}

/// What is wrong with `rendered` as a Telegram message made from `markdown` (empty: nothing):
/// not longer than the Markdown, no leading/trailing whitespace, entities of positive length
/// inside the text, not splitting a surrogate pair, properly nested, nothing inside pre/code,
/// no kind inside itself.
func problems(_ rendered: TelegramMarkdown.Rendered, from markdown: String) -> [String] {
    var found: [String] = []
    let units = Array(rendered.text.utf16)
    if units.count > markdown.utf16.count { found.append("text is \(units.count) units, the Markdown \(markdown.utf16.count)") }
    if rendered.text.first?.isWhitespace == true || rendered.text.last?.isWhitespace == true {
        found.append("text has leading or trailing whitespace")
    }
    for entity in rendered.entities {
        let name = describe(entity)
        if entity.length <= 0 { found.append("\(name): not positive") }
        if entity.offset < 0 || entity.end > units.count { found.append("\(name): outside \(units.count) units") }
        for edge in [entity.offset, entity.end] where edge > 0 && edge < units.count {
            if UTF16.isLeadSurrogate(units[edge - 1]) && UTF16.isTrailSurrogate(units[edge]) { found.append("\(name): splits a surrogate pair") }
        }
        if (entity.language != nil) != (entity.kind == .pre && entity.language != nil) { found.append("\(name): language off pre") }
        if (entity.url != nil) != (entity.kind == .textLink) { found.append("\(name): url and text_link disagree") }
    }
    for (i, a) in rendered.entities.enumerated() {
        for b in rendered.entities[(i + 1)...] {
            let overlap = a.offset < b.end && b.offset < a.end
            guard overlap else { continue }
            let aHoldsB = a.offset <= b.offset && b.end <= a.end, bHoldsA = b.offset <= a.offset && a.end <= b.end
            if !aHoldsB && !bHoldsA { found.append("\(describe(a)) and \(describe(b)) overlap partially") }
            let outer = aHoldsB ? a : b, inner = aHoldsB ? b : a
            if outer.kind == .pre || outer.kind == .code { found.append("\(describe(inner)) inside \(describe(outer))") }
            if outer.kind == inner.kind { found.append("\(describe(inner)) inside its own kind") }
        }
    }
    return found
}

/// A deterministic random source (SplitMix64), so a failing fuzz case can be reproduced.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Pieces of Markdown (and of what is not) to fuzz with.
let markdownTokens = [
    "*", "**", "***", "_", "__", "~~", "~", "`", "``", "```", "```swift\n", "\n```\n", "\n", "\n\n", " ", " ", "a", "word", "snake_case",
    "日本語", "🙂", "👨‍👩‍👧", "e\u{301}", "[", "]", "(", ")", "](", "https://x.y/a_b", "[t](https://e.com)", "[t](tg://user?id=1)",
    "# ", "### ", "\n# ", "\n> ", "> ", "\\", "\\*", "\r\n", "\t", "- ", "| a | b |", "!", "<", "&", ".", "  ",
]

func randomMarkdown(_ random: inout SplitMix, tokens: Int) -> String {
    (0..<Int.random(in: 0...tokens, using: &random)).map { _ in markdownTokens.randomElement(using: &random)! }.joined()
}

@Suite("telegram markdown")
struct TelegramMarkdownTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var markdown: String
        var text: String
        var entities: [String]
        var testDescription: String { markdown.debugDescription }
    }

    static let cases: [Case] = [
        Case(markdown: "plain text, nothing else", text: "plain text, nothing else", entities: []),
        Case(markdown: "**bold** and *italic*", text: "bold and italic", entities: ["bold 0+4", "italic 9+6"]),
        Case(markdown: "__bold__ _italic_", text: "bold italic", entities: ["bold 0+4", "italic 5+6"]),
        Case(markdown: "snake_case_name and 2 * 3 * 4 stay", text: "snake_case_name and 2 * 3 * 4 stay", entities: []),
        Case(markdown: "~~gone~~ but ~one~ stays", text: "gone but ~one~ stays", entities: ["strikethrough 0+4"]),
        Case(markdown: "use `let x = 1` here", text: "use let x = 1 here", entities: ["code 4+9"]),
        Case(markdown: "``a ` tick``", text: "a ` tick", entities: ["code 0+8"]),
        Case(markdown: "`**not bold**`", text: "**not bold**", entities: ["code 0+12"]),
        Case(markdown: "Here:\n```swift\nlet x = 1\n```\nafter", text: "Here:\nlet x = 1\nafter", entities: ["pre 6+9 swift"]),
        Case(markdown: "~~~\n**raw**\n~~~", text: "**raw**", entities: ["pre 0+7"]),
        Case(markdown: "1. step\n   ```sh\n   make\n   ```", text: "1. step\nmake", entities: ["pre 8+4 sh"]),
        Case(markdown: "before\n```python\nprint(1)\nstill code", text: "before\nprint(1)\nstill code", entities: ["pre 7+19 python"]),
        Case(markdown: "a\n```\n```\nb", text: "a\n\nb", entities: []),
        Case(markdown: "# Title\ntext", text: "Title\ntext", entities: ["bold 0+5"]),
        Case(markdown: "## Title ##\n###### six", text: "Title\nsix", entities: ["bold 0+5", "bold 6+3"]),
        Case(markdown: "# A **b** `c`", text: "A b c", entities: ["bold 0+5", "code 4+1"]),
        Case(markdown: "#hashtag and ####### seven", text: "#hashtag and ####### seven", entities: []),
        Case(markdown: "> quoted\n> **more**\nafter", text: "quoted\nmore\nafter", entities: ["blockquote 0+11", "bold 7+4"]),
        Case(markdown: "[site](https://example.com) and [rel](docs/x.md)", text: "site and [rel](docs/x.md)",
             entities: ["text_link 0+4 https://example.com"]),
        Case(markdown: "[**b** c](http://a.b/(x)) ![img](https://a.b/i.png \"t\")", text: "b c img",
             entities: ["text_link 0+3 http://a.b/(x)", "bold 0+1", "text_link 4+3 https://a.b/i.png"]),
        Case(markdown: "[`x`](https://a.b) [x](javascript:alert(1)) [](https://a.b)", text: "x [x](javascript:alert(1)) [](https://a.b)",
             entities: ["text_link 0+1 https://a.b"]),
        Case(markdown: "\\*not italic\\* and \\`x\\` and \\[y](https://a.b) \\a", text: "*not italic* and `x` and [y](https://a.b) \\a", entities: []),
        Case(markdown: "🙂 **日本語** 🚀 *x*", text: "🙂 日本語 🚀 x", entities: ["bold 3+3", "italic 10+1"]),
        Case(markdown: "x 🙂\n```py\nprint('🚀')\n```", text: "x 🙂\nprint('🚀')", entities: ["pre 5+11 py"]),
        Case(markdown: "***both***", text: "both", entities: ["bold 0+4", "italic 0+4"]),
        Case(markdown: "**a *b* c**", text: "a b c", entities: ["bold 0+5", "italic 2+1"]),
        Case(markdown: "**bold `code` bold**", text: "bold code bold", entities: ["bold 0+14", "code 5+4"]),
        Case(markdown: "**bold**text _a_b", text: "boldtext _a_b", entities: ["bold 0+4"]),
        Case(markdown: "**unclosed bold and *open", text: "**unclosed bold and *open", entities: []),
        Case(markdown: "* item\n* item two\n- three\n\n| a | b |\n|---|---|\n***", text: "* item\n* item two\n- three\n\n| a | b |\n|---|---|\n***",
             entities: []),
        Case(markdown: "  \n **padded**  \n\n", text: "padded", entities: ["bold 0+6"]),
        Case(markdown: "```\n  indented\n```", text: "indented", entities: ["pre 0+8"]),
        Case(markdown: "**a**\r\nb `c\r\nd`", text: "a\r\nb c d", entities: ["bold 0+1", "code 5+3"]),
        Case(markdown: "**", text: "**", entities: []),
        Case(markdown: "#", text: "", entities: []),
    ]

    @Test("renders each case to the exact text and entities", arguments: cases)
    func table(_ row: Case) {
        let rendered = TelegramMarkdown.render(row.markdown)
        #expect(rendered.text == row.text)
        #expect(rendered.entities.map(describe) == row.entities)
        #expect(problems(rendered, from: row.markdown) == [])
    }

    @Test("fuzzed Markdown always renders well-formed and never longer than its source")
    func fuzzed() {
        var random = SplitMix(state: 12)
        var kinds: Set<String> = []
        defer { #expect(kinds == ["bold", "italic", "strikethrough", "code", "pre", "text_link", "blockquote"], "kinds the fuzzing produced") }
        for _ in 0..<4000 {
            let markdown = randomMarkdown(&random, tokens: 40)
            let rendered = TelegramMarkdown.render(markdown)
            kinds.formUnion(rendered.entities.map(\.kind.rawValue))
            let found = problems(rendered, from: markdown)
            #expect(found == [], "\(markdown.debugDescription) → \(rendered.text.debugDescription) \(rendered.entities.map(describe))")
            if !found.isEmpty { return }
        }
    }

    @Test("random characters (any scalar, lone markers) render well-formed and never longer")
    func randomScalars() {
        var random = SplitMix(state: 99)
        let pool: [Unicode.Scalar] = Array("*_~`[]()#>\\ \n!h:/.".unicodeScalars) + ["\u{1F642}", "\u{65E5}", "\u{301}", "\u{200D}", "\u{A0}", "\r", "\u{2028}"]
        for _ in 0..<3000 {
            var markdown = ""
            for _ in 0..<Int.random(in: 0...60, using: &random) { markdown.unicodeScalars.append(pool.randomElement(using: &random)!) }
            let rendered = TelegramMarkdown.render(markdown)
            let found = problems(rendered, from: markdown)
            #expect(found == [], "\(markdown.debugDescription) → \(rendered.entities.map(describe))")
            if !found.isEmpty { return }
        }
    }

    /// Delivery renders each streamed edit: text made to make a parser backtrack stays cheap.
    @Test("pathological 4096-character inputs render quickly and well-formed")
    func pathological() {
        let inputs = ["[", "[x](", "[x](a (", "[x](a \"", "` ``", "*a", "_a ", "a**b ", "```\n", "> *a*\n", "[`]("].map {
            String(String(repeating: $0, count: 4096 / $0.count).prefix(4096))
        } + [String(repeating: "*a ", count: 680) + String(repeating: "a_ ", count: 680)]
        for input in inputs {
            let started = ContinuousClock.now
            let rendered = TelegramMarkdown.render(input)
            #expect(ContinuousClock.now - started < .seconds(2), "\(input.prefix(8).debugDescription)…")
            #expect(problems(rendered, from: input) == [])
        }
    }

    @Test("every piece TextSplitter cuts from long Markdown renders well-formed and within the limit")
    func splitPieces() {
        var random = SplitMix(state: 7)
        for limit in [40, 100, 300, 4096] {
            for _ in 0..<40 {
                let markdown = randomMarkdown(&random, tokens: 2000)
                for piece in TextSplitter(limit: limit).split(markdown) {
                    let rendered = TelegramMarkdown.render(piece)
                    #expect(rendered.text.utf16.count <= limit)
                    let found = problems(rendered, from: piece)
                    #expect(found == [], "limit \(limit): \(piece.debugDescription)")
                    if !found.isEmpty { return }
                }
            }
        }
    }

    @Test("a code block split by TextSplitter is a pre block with its language in every piece")
    func splitCodeBlock() {
        let code = (1...60).map { "let value\($0) = \($0) // 🙂" }.joined(separator: "\n")
        let markdown = "Intro **text**.\n```swift\n\(code)\n```\nDone."
        let pieces = TextSplitter(limit: 300).split(markdown)
        #expect(pieces.count > 3)
        var seen = ""
        for piece in pieces {
            let rendered = TelegramMarkdown.render(piece)
            #expect(problems(rendered, from: piece) == [])
            let pres = rendered.entities.filter { $0.kind == .pre }
            #expect(pres.allSatisfy { $0.language == "swift" }, "\(piece)")
            for pre in pres {
                let units = Array(rendered.text.utf16)[pre.offset..<pre.end]
                seen += String(decoding: units, as: UTF16.self) + "\n"
            }
        }
        // Every line of code arrived inside a pre block (a cut may fall at a space inside a line,
        // and the splitter drops whitespace at a cut).
        let compact = seen.filter { !$0.isWhitespace }
        for line in code.split(separator: "\n") { #expect(compact.contains(line.filter { !$0.isWhitespace }), "\(line)") }
    }
}
