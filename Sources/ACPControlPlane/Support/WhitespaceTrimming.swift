/// Trimming of surrounding whitespace without Foundation's `CharacterSet`.
///
/// The sets are Foundation's, scalar for scalar (checked over all of Unicode by a test):
/// - `CharacterSet.whitespaces` is Unicode general category Zs plus TAB (U+0009);
/// - `CharacterSet.whitespacesAndNewlines` adds U+000A–U+000D, U+0085, U+2028 and U+2029,
///   which makes it the Unicode `White_Space` property;
/// - both also hold U+200B ZERO WIDTH SPACE (category Zs in old Unicode versions, which
///   Foundation's tables keep).
/// Like `trimmingCharacters(in:)` the trim works on Unicode scalars, not on grapheme clusters.
extension Unicode.Scalar {
    /// Whether this scalar is in `CharacterSet.whitespacesAndNewlines` (Unicode `White_Space`, and U+200B).
    public var isWhitespaceOrNewline: Bool { properties.isWhitespace || value == 0x200B }

    /// Whether this scalar is in `CharacterSet.whitespaces` (category Zs, TAB, or U+200B).
    public var isHorizontalWhitespace: Bool {
        value == 0x09 || value == 0x200B || properties.generalCategory == .spaceSeparator
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines; the same result as
    /// Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)`.
    public func trimmingWhitespace() -> String {
        trimming(where: \.isWhitespaceOrNewline)
    }

    /// The text without leading and trailing spaces and tabs (newlines kept); the same result as
    /// Foundation's `trimmingCharacters(in: .whitespaces)`.
    public func trimmingHorizontalWhitespace() -> String {
        trimming(where: \.isHorizontalWhitespace)
    }

    private func trimming(where isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = Substring(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isTrimmed($0) })!
        return String(scalars[first...last])
    }
}
