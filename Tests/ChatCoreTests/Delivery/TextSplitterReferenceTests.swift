@testable import ChatCore
import TestSupport
import Testing

/// The splitter finds its cut with an index rounded down to a grapheme boundary and scans for a
/// boundary backwards; this is the straightforward forward walk it replaced, character by
/// character. Both must choose the same pieces for every input.
private enum ReferenceCut {
    static func cut(_ text: Substring, limit: Int) -> Substring.Index {
        var end = text.startIndex
        var used = 0
        for index in text.indices {
            let width = text[index].utf16.count
            if used + width > limit { break }
            used += width
            end = text.index(after: index)
        }
        return end
    }

    /// The open fence by the character view's lines, as the splitter found it before it read bytes.
    static func openFence(in text: Substring) -> String? {
        var open: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " })
            guard trimmed.hasPrefix("```") else { continue }
            open = open == nil ? String(trimmed.trimmingTrailingWhitespace()) : nil
        }
        return open
    }

    static func lastBoundary(in window: Substring, followedBy after: Substring) -> String.Index? {
        var paragraph: String.Index?
        var sentence: String.Index?
        var space: String.Index?
        var previous: Character?
        var index = window.startIndex
        while index < window.endIndex {
            let character = window[index]
            let next = window.index(after: index)
            if character.isWhitespace, index > window.startIndex {
                space = index
                if character.isNewline {
                    sentence = index
                    if previous?.isNewline == true { paragraph = index }
                }
            }
            if ".!?".contains(character) {
                let following: Character? = next < window.endIndex ? window[next] : after.first
                if following?.isWhitespace ?? false { sentence = next }
            }
            previous = character
            index = next
        }
        if after.first?.isWhitespace == true { return window.endIndex }
        return paragraph ?? sentence ?? space
    }
}

@Suite("Text splitter against the reference walk")
struct TextSplitterReferenceTests {
    @Test("random texts: the same prefix end and the same boundary as the character-by-character walk",
          arguments: [21, 22, 23, 24, 25, 26, 27, 28] as [UInt64])
    func sameChoices(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        // The second half are every newline `Character.isNewline` knows, newlines next to what
        // grapheme rules might join them with, and a prepended mark (U+0600 joins what follows
        // it into its grapheme): the paragraph and sentence searches run on scalars.
        let alphabet: [String] = ["a", "b", " ", "\n", "\r\n", "\n\n", ".", "!", "?", "é", "e\u{0301}", "\u{0301}", "😀",
                                  "🇫", "🇷", "👩‍👩‍👧", "\u{200D}", "\t", "中", "\u{1100}", "\u{1161}", "\u{FE0F}", "x. y",
                                  "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}", "\n\u{0301}", "\r\u{0301}",
                                  "\u{200D}\n", "\r\r\n", "\n\r", "\u{0600}", "\u{0600}.", "\u{0600} "]
        for _ in 0..<400 {
            let text = Substring((0..<Int.random(in: 1...200, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined())
            let limit = Int.random(in: 1...80, using: &random)
            let end = ReferenceCut.cut(text, limit: limit)
            #expect(TextSplitter.prefixEnd(text, limit: limit) == end, "\(text.unicodeScalars.map { $0.value }) limit \(limit)")
            let window = text[text.startIndex..<end]
            #expect(TextSplitter.lastBoundary(in: window, followedBy: text[end...])
                    == ReferenceCut.lastBoundary(in: window, followedBy: text[end...]),
                    "\(text.unicodeScalars.map { $0.value }) limit \(limit)")
        }
    }

    @Test("random texts: the same open code fence as the character view's lines", arguments: [31, 32, 33, 34] as [UInt64])
    func sameOpenFence(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let alphabet: [String] = ["```", "```swift", " ```", "  ```py", "`", "``", "a", " ", "\n", "\r\n", "\r", "\n\n",
                                  "`\u{0301}", " \u{0301}", "\n\u{0301}", "\u{0600}", "é", "😀", "\t", "\u{2028}", "x\n```"]
        for _ in 0..<600 {
            let text = Substring((0..<Int.random(in: 0...40, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined())
            #expect(TextSplitter.openFence(in: text) == ReferenceCut.openFence(in: text), "\(text.unicodeScalars.map { $0.value })")
        }
    }
}
