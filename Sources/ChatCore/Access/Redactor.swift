#if canImport(FoundationEssentials)
import Bindings
import FoundationEssentials
#else
import Foundation
#endif

/// Redacts secrets from outgoing chat text: each one is replaced with `[redacted]`.
///
/// What is redacted:
/// - every configured secret value (bot tokens, the API token, the shared secret, secret-named agent
///   env values) of 4 or more characters, wherever it appears;
/// - Telegram bot tokens (`123456789:AA…`: 6–12 digits, `:`, 30+ token characters, also inside URLs) and Discord bot
///   tokens (three base64url parts joined by dots, 20+/6+/25+ characters; JWTs match too);
/// - `Bearer <token>` credentials;
/// - the value of an assignment (`NAME=value`, `NAME: value`, `"NAME": "value"`, `export NAME="value"`)
///   whose NAME has a word that is a secret word (`RedactionNames.isSecretName`): `OPENAI_API_KEY`,
///   `githubToken`, `db-password` do; `keyboard`, `max_tokens`, `monkey` do not.
///   A `=` value ends at whitespace, a `:` value at the end of the line, `,` or `}`; a quoted value
///   at its closing quote. Values that are placeholders (`${…}`, `$VAR`, `<…>`) or that start with a
///   type name (`apiKey: String = …`, `password: str)`) are left alone.
///
/// Cost: one pass per pattern over the text's UTF-16 code units (`RedactionScanner`, no regex
/// engine), each anchored at the start of a run, so the work is linear in the text length.
/// Thread-safe (immutable).
public struct Redactor: Sendable {
    /// The replacement text.
    public static let placeholder = "[redacted]"

    /// Configured secret values, longest first, as UTF-16.
    private let literals: [[UInt16]]

    /// A redactor that also hides `secrets` (configured token values; shorter than 4 characters,
    /// empty and duplicate ones are ignored).
    public init(secrets: [String] = []) {
        literals = Array(Set(secrets.filter { $0.count >= 4 })).sorted { $0.count > $1.count }.map { Array($0.utf16) }
    }

    /// A redactor for every secret `config` holds: channel bot tokens, `api.token`, `access.secret`,
    /// and the values of `agents.<id>.env` entries with a secret-like name (`ANTHROPIC_API_KEY`).
    public init(config: ACPDConfig) {
        var secrets = config.channels.telegram.values.map(\.botToken.value)
        secrets += config.channels.discord.values.map(\.botToken.value)
        if let token = config.api.token { secrets.append(token.value) }
        if let secret = config.access.secret { secrets.append(secret.value) }
        for agent in config.agents.values {
            secrets += agent.env.filter { RedactionNames.isSecretName($0.key) }.map(\.value)
        }
        self.init(secrets: secrets)
    }

    /// How many characters at the end of `text` could be the beginning of a configured secret
    /// value (the longest suffix that is a proper, non-empty prefix of one): a live edit holds them
    /// back until more text shows whether the secret follows, so a multi-word secret streamed in
    /// pieces never shows in part (`correct horse` of `correct horse battery staple`). 0 when none.
    public func pendingSecretPrefix(in text: String) -> Int {
        guard !literals.isEmpty, !text.isEmpty else { return 0 }
        let longest = literals[0].count - 1
        let tail = Array(text.utf16.suffix(longest))
        var best = 0
        for literal in literals where literal.count - 1 > best {
            for length in stride(from: min(literal.count - 1, tail.count), to: best, by: -1)
            where tail[(tail.count - length)...].elementsEqual(literal[..<length]) {
                best = length
                break
            }
        }
        guard best > 0 else { return 0 }
        // In characters, counting the character that holds the first unit whole.
        let start = text.utf16.index(text.utf16.endIndex, offsetBy: -best)
        var index = text.endIndex
        var characters = 0
        while index > text.startIndex {
            index = text.index(before: index)
            characters += 1
            if index <= start { break }
        }
        return characters
    }

    /// `text` with every secret replaced by `[redacted]`; text without secrets comes back unchanged.
    public func redact(_ text: String) -> String {
        guard !text.isEmpty else { return text }
        let scanner = RedactionScanner(text)
        var ranges: [Range<Int>] = []
        for literal in literals { ranges += scanner.occurrences(of: literal) }
        ranges += scanner.telegramTokens()
        ranges += scanner.discordTokens()
        ranges += scanner.bearerCredentials()
        // A value can run to the end of the line; names inside an already redacted value are
        // skipped, so each character is scanned as a value at most once.
        var coveredUntil = 0
        for head in scanner.assignments() {
            guard head.start >= coveredUntil, RedactionNames.isSecretName(scanner.text(head.name)),
                  let value = scanner.valueRange(from: head.valueStart, equalsForm: head.separator == 0x3D) else { continue }
            let quoted = value.lowerBound != head.valueStart
            guard !RedactionNames.isPlaceholderValue(scanner.text(value), quoted: quoted) else { continue }
            ranges.append(value)
            coveredUntil = value.upperBound
        }
        guard !ranges.isEmpty else { return text }
        return Self.replace(scanner.units, ranges: ranges)
    }

    /// `units` with the union of `ranges` replaced, each maximal run by one placeholder.
    private static func replace(_ units: [UInt16], ranges: [Range<Int>]) -> String {
        let sorted = ranges.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var output: [UInt16] = []
        output.reserveCapacity(units.count)
        let placeholderUnits = Array(placeholder.utf16)
        var cursor = 0
        var index = 0
        while index < sorted.count {
            var start = sorted[index].lowerBound
            var end = sorted[index].upperBound
            index += 1
            while index < sorted.count, sorted[index].lowerBound <= end {
                end = max(end, sorted[index].upperBound)
                index += 1
            }
            start = max(start, cursor)
            if start > cursor { output += units[cursor..<start] }
            output += placeholderUnits
            cursor = max(cursor, end)
        }
        if cursor < units.count { output += units[cursor...] }
        return String(decoding: output, as: UTF16.self)
    }
}
