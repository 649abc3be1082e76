import Foundation

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
/// Cost: one pass per pattern, each anchored at the start of a run of token characters, so the
/// work is linear in the text length. Thread-safe (immutable).
public struct Redactor: Sendable {
    /// The replacement text.
    public static let placeholder = "[redacted]"

    private let literals: [String]

    /// A redactor that also hides `secrets` (configured token values; shorter than 4 characters,
    /// empty and duplicate ones are ignored).
    public init(secrets: [String] = []) {
        literals = Array(Set(secrets.filter { $0.count >= 4 })).sorted { $0.count > $1.count }
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

    /// `text` with every secret replaced by `[redacted]`; text without secrets comes back unchanged.
    public func redact(_ text: String) -> String {
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
