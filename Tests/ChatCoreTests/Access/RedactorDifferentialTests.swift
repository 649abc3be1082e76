import Foundation
@testable import ChatCore
@testable import Bindings
import Testing

/// The regex implementation `Redactor` had before `RedactionScanner` (NSRegularExpression), kept
/// here as the reference the scanner must agree with.
private struct RegexRedactorReference {
    static let placeholder = Redactor.placeholder
    let literals: [String]

    init(secrets: [String]) {
        literals = Array(Set(secrets.filter { $0.count >= 4 })).sorted { $0.count > $1.count }
    }

    func redact(_ text: String) -> String {
        let string = text as NSString
        let length = string.length
        guard length > 0 else { return text }
        var ranges: [NSRange] = []
        for literal in literals {
            var search = NSRange(location: 0, length: length)
            while search.length > 0 {
                let found = string.range(of: literal, options: .literal, range: search)
                if found.location == NSNotFound { break }
                ranges.append(found)
                let next = found.location + found.length
                search = NSRange(location: next, length: length - next)
            }
        }
        let whole = NSRange(location: 0, length: length)
        for pattern in [Self.telegramToken, Self.discordToken] {
            for match in pattern.matches(in: text, range: whole) { ranges.append(match.range) }
        }
        for match in Self.bearer.matches(in: text, range: whole) { ranges.append(match.range(at: 1)) }
        // A value can run to the end of the line; names inside an already redacted value are
        // skipped, so each character is scanned as a value at most once.
        var coveredUntil = 0
        for match in Self.assignment.matches(in: text, range: whole) {
            guard match.range.location >= coveredUntil else { continue }
            let name = string.substring(with: match.range(at: 1))
            guard RedactionNames.isSecretName(name) else { continue }
            let separator = string.character(at: match.range(at: 2).location)
            if let value = Self.valueRange(in: string, from: match.range.location + match.range.length,
                                           equalsForm: separator == 0x3D) {
                ranges.append(value)
                coveredUntil = value.location + value.length
            }
        }
        guard !ranges.isEmpty else { return text }
        return Self.replace(string, ranges: ranges)
    }

    /// The range of an assignment's value starting at `start` (after the separator and blanks).
    static func valueRange(in string: NSString, from start: Int, equalsForm: Bool) -> NSRange? {
        let length = string.length
        guard start < length else { return nil }
        let first = string.character(at: start)
        // `==`, `::`: comparisons and paths, not assignments.
        if first == 0x3D || first == 0x3A { return nil }
        var end = start
        var from = start
        if first == 0x22 || first == 0x27 {  // quoted
            from = start + 1
            end = from
            while end < length, string.character(at: end) != first, string.character(at: end) != 0x0A { end += 1 }
        } else {
            while end < length {
                let char = string.character(at: end)
                if char == 0x0A || char == 0x0D { break }
                if equalsForm, char == 0x20 || char == 0x09 { break }
                if !equalsForm, char == 0x2C || char == 0x7D { break }
                end += 1
            }
            while end > from, [0x20, 0x09].contains(string.character(at: end - 1)) { end -= 1 }
        }
        guard end > from else { return nil }
        let range = NSRange(location: from, length: end - from)
        return RedactionNames.isPlaceholderValue(string.substring(with: range), quoted: from != start) ? nil : range
    }

    /// `string` with the union of `ranges` replaced, each maximal run by one placeholder.
    private static func replace(_ string: NSString, ranges: [NSRange]) -> String {
        let sorted = ranges.filter { $0.length > 0 }.sorted { $0.location < $1.location }
        var output = ""
        var cursor = 0
        var index = 0
        while index < sorted.count {
            var start = sorted[index].location
            var end = start + sorted[index].length
            index += 1
            while index < sorted.count, sorted[index].location <= end {
                end = max(end, sorted[index].location + sorted[index].length)
                index += 1
            }
            start = max(start, cursor)
            if start > cursor { output += string.substring(with: NSRange(location: cursor, length: start - cursor)) }
            output += placeholder
            cursor = max(cursor, end)
        }
        if cursor < string.length { output += string.substring(from: cursor) }
        return output
    }

    // Each pattern starts with a negative lookbehind so a match can only begin at the start of a run.
    private static let telegramToken = regex(#"(?<![0-9])[0-9]{6,12}:[A-Za-z0-9_-]{30,}"#)
    private static let discordToken = regex(#"(?<![A-Za-z0-9_.-])[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{25,}"#)
    private static let bearer = regex(#"(?<![A-Za-z0-9_])[Bb]earer[ \t]+([A-Za-z0-9._~+/=-]{8,})"#)
    private static let assignment = regex(#"(?<![A-Za-z0-9_.-])["']?([A-Za-z_][A-Za-z0-9_.-]{0,127})["']?[ \t]*([:=])[ \t]*"#)

    private static func regex(_ pattern: String) -> NSRegularExpression {
        // The patterns are constants checked by the tests; `try!` cannot fail on input.
        try! NSRegularExpression(pattern: pattern)
    }
}

/// Differential test: on generated texts mixing tokens, assignments, quotes, blanks and
/// line breaks, the scanner redacts exactly what the regexes did.
struct RedactorDifferentialTests {
    static let fragments = [
        "123456789:", "12345:", "1234567890123:", "AAbbCC00__--xxyyzzAAbbCC00__--xx", "abc", "9", ".", "..",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6", "eyJzdWIi", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "Bearer ", "bearer\t", "Bearer", "xBearer ", "tok.en~+/=", "OPENAI_API_KEY", "githubToken", "db-password",
        "max_tokens", "keyboard", "apiKey", "=", "==", ":", "::", " ", "  ", "\t", "\n", "\r\n", "\"", "'", ",", "}", "{",
        "${VAR}", "$HOME", "<token>", "String", "str)", "None", "hunter2-secret", "export ", "sk-live-0123456789",
        "grüße", "🚀", "naïve", "x", "_", "-", "a.b.c", "(", ")",
    ]

    @Test("the scanner agrees with the regex reference on 20,000 generated texts")
    func agreesWithTheRegexReference() {
        let secrets = ["hunter2-secret", "sk-live-0123456789", "abc"]
        let scanner = Redactor(secrets: secrets)
        let reference = RegexRedactorReference(secrets: secrets)
        var generator = SplitMix64(seed: 0xACBD_2026)
        var disagreements: [String] = []
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 14) + 1
            let text = (0..<count).map { _ in Self.fragments[Int(generator.next() % UInt64(Self.fragments.count))] }.joined()
            if scanner.redact(text) != reference.redact(text) { disagreements.append(text) }
        }
        #expect(disagreements.count == 0, "first: \(disagreements.prefix(5).map { "\($0.debugDescription) → \(scanner.redact($0).debugDescription) vs \(reference.redact($0).debugDescription)" })")
    }
}

/// A small deterministic generator (the test must be repeatable).
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
