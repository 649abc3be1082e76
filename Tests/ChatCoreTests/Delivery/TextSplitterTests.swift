@testable import ChatCore
@testable import Bindings
import TestSupport
import Testing

// `SeededGenerator` (SplitMix64) is the one in ConversationIDs/TelegramConversationIDTests.swift.

/// Checks that `pieces` joined with whitespace-only runs between them give back `input`
/// (after dropping leading and trailing whitespace of the input).
func reassembles(_ pieces: [String], _ input: String) -> Bool {
    var rest = Substring(input).drop(while: \.isWhitespace)
    for piece in pieces {
        guard rest.hasPrefix(piece) else { return false }
        rest = rest.dropFirst(piece.count).drop(while: \.isWhitespace)
    }
    return rest.isEmpty
}

@Suite("Text splitter")
struct TextSplitterTests {
    @Test("boundaries are chosen paragraph first, then sentence, then whitespace, then hard", arguments: [
        // (input, limit, expected pieces)
        ("short text", 20, ["short text"]),
        ("First paragraph here.\n\nSecond one is here.", 30, ["First paragraph here.", "Second one is here."]),
        ("One sentence. Two sentence. Three", 30, ["One sentence. Two sentence.", "Three"]),
        ("alpha beta gamma delta epsilon zeta", 20, ["alpha beta gamma", "delta epsilon zeta"]),
        ("abcdefghijklmnopqrstuvwxyz", 16, ["abcdefghijklmnop", "qrstuvwxyz"]),
        ("Para one. More words\n\nPara two", 22, ["Para one. More words", "Para two"]),
        ("   \n\n  ", 16, []),
    ])
    func boundaries(input: String, limit: Int, expected: [String]) {
        #expect(TextSplitter(limit: limit).split(input) == expected)
    }

    @Test("a surrogate pair or a grapheme cluster is never cut")
    func graphemes() {
        let flags = String(repeating: "🇫🇷", count: 10)  // 4 UTF-16 units each
        let pieces = TextSplitter(limit: 18).split(flags)
        #expect(pieces.allSatisfy { $0.utf16.count <= 18 })
        #expect(pieces.joined() == flags)
        #expect(pieces.allSatisfy { $0.allSatisfy { $0 == "🇫🇷" } })
    }

    @Test("a single grapheme longer than the limit is split between scalars, never inside a surrogate pair")
    func giantGrapheme() {
        let zalgo = "e" + String(repeating: "\u{0301}", count: 40) + " 😀"
        let pieces = TextSplitter(limit: 16).split(zalgo)
        #expect(pieces.allSatisfy { $0.utf16.count <= 16 && !$0.isEmpty })
        #expect(pieces.joined(separator: "").unicodeScalars.filter { !$0.properties.isWhitespace }.count
            == zalgo.unicodeScalars.filter { !$0.properties.isWhitespace }.count)
    }

    @Test("an open code fence is closed and reopened with its language")
    func codeFences() {
        let code = "Here:\n```swift\n" + (1...20).map { "let value\($0) = \($0)" }.joined(separator: "\n") + "\n```\nDone."
        let pieces = TextSplitter(limit: 80).split(code)
        #expect(pieces.count > 2)
        for piece in pieces {
            #expect(piece.utf16.count <= 80)
            let fences = piece.split(separator: "\n").filter { $0.hasPrefix("```") }.count
            #expect(fences % 2 == 0, "unbalanced fence in \(piece)")
        }
        #expect(pieces.dropFirst().first?.hasPrefix("```swift\n") == true)
    }

    @Test("a fence whose content has no boundary still makes progress")
    func fenceWithoutBoundary() {
        let code = "```\n" + String(repeating: "x", count: 100) + "\n```"
        let pieces = TextSplitter(limit: 20).split(code)
        #expect(pieces.allSatisfy { $0.utf16.count <= 20 })
        #expect(pieces.joined().filter { $0 == "x" }.count == 100)
    }

    @Test("random inputs: pieces fit, are not empty, reassemble, keep surrogate pairs", arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomInputs(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let alphabet: [String] = ["a", "b", "Z", "0", " ", " ", "\n", "\n\n", ".", "!", "?", "é", "😀", "🇫🇷", "👩‍👩‍👧", "\t", "中", "e\u{0301}"]
        for _ in 0..<40 {
            let length = Int.random(in: 0...600, using: &random)
            let input = (0..<length).map { _ in alphabet.randomElement(using: &random)! }.joined()
            let limit = Int.random(in: 16...120, using: &random)
            let pieces = TextSplitter(limit: limit).split(input)
            #expect(pieces.allSatisfy { $0.utf16.count <= limit }, "limit \(limit)")
            #expect(pieces.allSatisfy { !$0.isEmpty && $0.first?.isWhitespace == false && $0.last?.isWhitespace == false })
            #expect(reassembles(pieces, input), "seed \(seed), limit \(limit)")
            for piece in pieces {
                // A lone surrogate cannot survive in a Swift String; check the UTF-16 round trip.
                #expect(String(decoding: Array(piece.utf16), as: UTF16.self) == piece)
                #expect(!piece.unicodeScalars.contains("\u{FFFD}"))
            }
        }
    }

    @Test("random inputs with code fences: pieces fit and every piece but the last leaves no fence open",
          arguments: [11, 12, 13, 14] as [UInt64])
    func randomFences(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let alphabet = ["word", " ", " ", "\n", "\n```\n", "\n```py\n", ".", "x", "😀"]
        for _ in 0..<40 {
            let input = (0..<Int.random(in: 0...300, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
            let limit = Int.random(in: 16...100, using: &random)
            let pieces = TextSplitter(limit: limit).split(input)
            #expect(pieces.allSatisfy { $0.utf16.count <= limit && !$0.isEmpty }, "seed \(seed), limit \(limit)")
            for piece in pieces.dropLast() {
                #expect(TextSplitter.openFence(in: Substring(piece)) == nil, "open fence in \(piece)")
            }
            // Only fence lines are added: every other character survives (hard splits may cut words).
            let kept = { (text: String) in text.filter { "wordx.😀".contains($0) } }
            #expect(kept(pieces.joined()) == kept(input))
        }
    }
}
