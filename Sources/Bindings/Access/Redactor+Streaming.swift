import Foundation

/// Redaction of text that is still growing (live delivery of streamed agent output).
///
/// `redact(_:)` only sees what it is given: a secret whose first half is shown now and whose
/// second half arrives with the next chunk is never whole in any one call. A streaming caller
/// therefore redacts the whole text it has so far (not each chunk, and not each message after
/// splitting) and shows only `streamingVisiblePrefix(of:)` of it until the stream ends, when it
/// shows everything (`redact` of the whole text).
extension Redactor {
    /// The part of `text` (already redacted) that can be shown while more text may still be
    /// appended: `text` without a trailing part that could become a secret once more arrives.
    ///
    /// Held back (from its start to the end of `text`):
    /// - a suffix that is a proper prefix of a configured secret (`sesame-o` of `sesame-open-4242`);
    /// - a trailing run that could grow into a Telegram bot token (digits, optionally `:` and token
    ///   characters), a Discord bot token (20+ base64url characters with up to two dots), or a
    ///   `Bearer` credential.
    /// A value of a secret-named assignment needs no hold-back: `redact` hides a partial value whole.
    /// Cost: linear in the length of the held-back candidates, independent of the text before them.
    public func streamingVisiblePrefix(of text: String) -> Substring {
        var cut = text.endIndex
        for literal in literals {
            // The longest suffix of `text` that is a proper prefix of `literal`.
            var length = min(literal.count - 1, text.count)
            while length > 0 {
                if text.hasSuffix(literal.prefix(length)) {
                    cut = min(cut, text.index(text.endIndex, offsetBy: -length))
                    break
                }
                length -= 1
            }
        }
        let string = text as NSString
        let tail = max(0, string.length - Self.streamingWindow)
        let window = NSRange(location: tail, length: string.length - tail)
        for pattern in [Self.partialTelegramToken, Self.partialDiscordToken, Self.partialBearer] {
            guard let match = pattern.firstMatch(in: text, options: [.withTransparentBounds], range: window),
                  let start = Range(match.range, in: text)?.lowerBound else { continue }
            cut = min(cut, start)
        }
        return text[..<cut]
    }

    /// How far back from the end a growing token is looked for (longer runs are shown: they are
    /// either complete tokens, which `redact` already hides, or not tokens).
    static let streamingWindow = 256

    // Anchored at the end of the text; each may be the beginning of a pattern `redact` knows.
    private static let partialTelegramToken = streamingRegex(#"(?<![0-9])[0-9]{1,12}(:[A-Za-z0-9_-]*)?\z"#)
    private static let partialDiscordToken = streamingRegex(#"(?<![A-Za-z0-9_.-])[A-Za-z0-9_-]{20,}(\.[A-Za-z0-9_-]*){0,2}\z"#)
    private static let partialBearer = streamingRegex(#"(?<![A-Za-z0-9_])([Bb](e(a(r(e(r([ \t]+[A-Za-z0-9._~+/=-]*)?)?)?)?)?)?)\z"#)

    private static func streamingRegex(_ pattern: String) -> NSRegularExpression {
        // Constant patterns checked by the tests; `try!` cannot fail on input.
        try! NSRegularExpression(pattern: pattern)
    }
}
