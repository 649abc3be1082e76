@testable import Bindings
import Testing

/// Every config string format is checked by a hand-written matcher; its `pattern` (exported into
/// the JSON Schema) is the specification. Each matcher must give the same answer as Swift Regex
/// of the pattern, matched against the whole string, on many generated strings.
@Suite struct StringFormatDifferentialTests {
    static let formats: [(String, StringFormat)] = [
        ("identifier", .identifier), ("accountId", .accountId), ("accountMatch", .accountMatch), ("label", .label), ("envName", .envName),
        ("sender", .sender), ("hostPort", .hostPort), ("url", .url),
    ]

    /// A small deterministic generator (SplitMix64), so a failure reproduces.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    /// Pieces that exercise every class in the patterns, their neighbours, whitespace of all kinds,
    /// and characters that are more than one Unicode scalar.
    static let pieces: [String] = [
        "a", "Z", "m", "0", "9", "5", "_", "-", ".", ":", "*", "[", "]", "/", "f", "F", "g", "x",
        " ", "\t", "\n", "\r\n", "\u{85}", "\u{A0}", "\u{2028}", "\u{3000}", "\u{200B}", "\u{FEFF}",
        "é", "e\u{301}", "1\u{20E3}", ":\u{301}", "\u{1F600}", "日", "ａ", "١", "\u{0}", "\\", "%", "@", "::1", "127.0.0.1",
    ]

    static let prefixes: [String] = [
        "", "", "", "telegram:", "discord:", "http:", "console:", "slack:", "http://", "https://", "ftp://", "HTTP://",
        "[", "[::1]", "[::1]:", "localhost:", "host:", "*", "_", "a",
    ]

    static func samples(seed: UInt64, count: Int) -> [String] {
        var generator = Generator(state: seed)
        var out: [String] = ["", "*", "**", "a", "_", "-a", "a-", "a.b", "A_b-9", "telegram:1", "telegram:", "http://x",
                             "https://", "https://a b", "[::1]:7878", "[]:1", "[::1]:123456", "127.0.0.1:7878", "host:0",
                             ":80", "h:", "h:65535", "h:123456", "[::g]:1", "x\u{301}", "a\r\n", "discord:2\u{A0}"]
        for length in [62, 63, 64, 65, 66] {
            out.append("a" + String(repeating: "b", count: length))
            out.append("a" + String(repeating: "-", count: length))
            out.append("a" + String(repeating: "e\u{301}", count: length))
        }
        for _ in 0..<count {
            var text = generator.pick(prefixes)
            for _ in 0..<generator.below(9) { text += generator.pick(pieces) }
            if generator.below(4) == 0 { text += ":" + String(repeating: "7", count: generator.below(8)) }
            out.append(text)
        }
        return out
    }

    @Test(arguments: formats.map(\.0))
    func matcherAgreesWithTheRegexOfItsPattern(_ name: String) throws {
        let format = try #require(Self.formats.first { $0.0 == name }?.1)
        let pattern = try #require(format.pattern)
        let regex = try Regex(pattern)
        var disagreements: [String] = []
        var accepted = 0
        let samples = Self.samples(seed: UInt64(name.utf8.count) &* 7919, count: 4000)
        for text in samples {
            let matched = try regex.wholeMatch(in: text) != nil
            let expected = text.count >= format.minLength && matched
            if expected { accepted += 1 }
            if format.accepts(text) != expected { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "\(name): \(disagreements.prefix(10).map(\.debugDescription))")
        // The samples must exercise both answers, or the comparison proves little.
        #expect(accepted > 20 && accepted < samples.count - 20, "\(name) accepted \(accepted) of \(samples.count)")
    }

    @Test func formatsWithoutAPatternAcceptByLengthOnly() {
        #expect(StringFormat.any.accepts(""))
        #expect(!StringFormat.nonEmpty.accepts(""))
        #expect(StringFormat.nonEmpty.accepts(" "))
        #expect(StringFormat.path.accepts("/srv/repo"))
    }
}
