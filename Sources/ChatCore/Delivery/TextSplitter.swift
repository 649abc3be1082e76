import Bindings

/// Splits text into pieces that each fit a channel's message limit.
///
/// Length is measured in UTF-16 code units (what Telegram counts; never less than what Discord
/// counts), so a piece that fits here fits everywhere.
///
/// Policy, for each piece: take the longest prefix of whole grapheme clusters that fits, then cut
/// it back to the last paragraph break (`\n\n`), else the last sentence end (`.`, `!`, `?`
/// followed by whitespace, or a line break), else the last whitespace; only when none exists in
/// the prefix is it hard-split at the last grapheme boundary that fits (a single grapheme longer
/// than the limit is split between Unicode scalars). Surrogate pairs are never broken.
///
/// Whitespace at a cut is dropped: a piece has no trailing whitespace and the next piece no
/// leading whitespace. So the input equals the pieces joined with (possibly empty) runs of
/// whitespace between them, and pieces are never empty.
///
/// Code fences: when a cut falls inside a ``` block, the piece is closed with `\n```` and the
/// next piece reopens the block with the same opening line (e.g. ```` ```swift ````), so each
/// piece renders as valid Markdown. These added fence lines are the only text not in the input.
public struct TextSplitter: Sendable {
    /// Largest piece, in UTF-16 code units (at least 16; smaller values are raised to 16).
    public let limit: Int

    private static let fenceClose = "\n```"

    /// A splitter for `limit` UTF-16 code units per piece.
    public init(limit: Int) {
        self.limit = max(16, limit)
    }

    /// The pieces of `text`, in order; `[]` when `text` is only whitespace.
    public func split(_ text: String) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text).drop(while: \.isWhitespace)
        var reopen = ""
        while !rest.isEmpty {
            let body = Substring(reopen + rest)
            if body.utf16.count <= limit {
                pieces.append(String(body.trimmingTrailingWhitespace()))
                break
            }
            // A reopened fence line is not a place to cut: every piece must carry new text.
            let minimum = body.utf16.index(body.startIndex, offsetBy: reopen.utf16.count)
            var (piece, remainder) = cut(body, limit: limit, minimum: minimum)
            var opening = Self.openFence(in: piece)
            if opening != nil {
                // Leave room for the closing fence and cut again.
                (piece, remainder) = cut(body, limit: limit - Self.fenceClose.utf16.count, minimum: minimum)
                opening = Self.openFence(in: piece)
            }
            if let opening, opening.utf16.count + 1 <= limit / 2, !remainder.isEmpty {
                pieces.append(String(piece) + Self.fenceClose)
                reopen = opening + "\n"
            } else {
                pieces.append(String(piece))
                reopen = ""
            }
            rest = remainder
        }
        return pieces
    }

    /// The first piece of `text` (≤ `limit`, non-empty, no trailing whitespace) and what follows
    /// it with leading whitespace dropped. `text` is longer than `limit` and starts non-blank.
    /// Boundaries at or before `minimum` are not used.
    private func cut(_ text: Substring, limit: Int, minimum: String.Index) -> (Substring, Substring) {
        let end = Self.prefixEnd(text, limit: limit)
        if end == text.startIndex {
            return hardSplitScalars(text, limit: limit)
        }
        let window = text[text.startIndex..<end]
        let boundary = Self.lastBoundary(in: window, followedBy: text[end...]).flatMap { $0 > minimum ? $0 : nil }
        let pieceEnd = boundary ?? end
        let piece = text[text.startIndex..<pieceEnd].trimmingTrailingWhitespace()
        if piece.endIndex <= minimum {
            if end <= minimum { return hardSplitScalars(text, limit: limit) }
            return (text[text.startIndex..<end], text[end...].drop(while: \.isWhitespace))
        }
        return (piece, text[pieceEnd...].drop(while: \.isWhitespace))
    }

    /// The end of the longest prefix of whole graphemes of `text` that fits in `limit` UTF-16
    /// units: the grapheme boundary at or before that offset (the character view rounds an index
    /// inside a grapheme down to the grapheme's start), without walking the prefix.
    static func prefixEnd(_ text: Substring, limit: Int) -> String.Index {
        guard let fits = text.utf16.index(text.startIndex, offsetBy: limit, limitedBy: text.endIndex),
              fits < text.endIndex else { return text.endIndex }
        if text.index(after: text.startIndex) > fits { return text.startIndex }
        return text.index(after: text.index(before: fits))
    }

    /// Where to end a piece inside `window`: after a paragraph break, else a sentence end, else
    /// at whitespace. Nil when the window has no boundary other than its very start.
    ///
    /// The last whitespace character is found walking back character by character (it is
    /// usually a few characters from the end); every boundary lies at or before it, so the rest
    /// is searched on Unicode scalars (`lastParagraphBreak`, `lastSentenceEnd`), which is what
    /// the character walk this replaced chose (`TextSplitterReferenceTests`) without grapheme
    /// breaking a whole window: that was most of the cost of a long answer's final message, on
    /// the delivery actor every conversation shares (docs/benchmarks.md, `acpd-bench split`).
    static func lastBoundary(in window: Substring, followedBy after: Substring) -> String.Index? {
        // A boundary right at the end of the window means the text after it starts with whitespace.
        if after.first?.isWhitespace == true { return window.endIndex }
        var index = window.endIndex
        while index > window.startIndex {
            let start = window.index(before: index)
            if window[start].isWhitespace, start > window.startIndex {
                let searched = window[window.startIndex..<index]
                return lastParagraphBreak(in: searched) ?? lastSentenceEnd(in: window, before: index, followedBy: after) ?? start
            }
            index = start
        }
        return nil
    }

    /// Where the second newline of the last paragraph break in `text` starts (the position
    /// `lastBoundary`'s character walk returns for one): a newline character preceded by a
    /// newline character, not at `text`'s start. Found on Unicode scalars, which is exact here:
    /// every newline character (`Character.isNewline`) is one newline scalar or CR LF (grapheme
    /// rules never join a control character with what follows, except CR with LF), so a newline
    /// character starts at a newline scalar that is not the LF of a CR LF, and the character before
    /// it is a newline character exactly when the scalar before it is a newline scalar.
    static func lastParagraphBreak(in text: Substring) -> String.Index? {
        let scalars = text.unicodeScalars
        var index = scalars.endIndex
        var later: Unicode.Scalar?
        while index > scalars.startIndex {
            let previous = scalars.index(before: index)
            let scalar = scalars[previous]
            // `later` starts a newline character at `index` unless it is the LF of this CR.
            if let next = later, isNewlineScalar(next), isNewlineScalar(scalar), !(scalar == "\r" && next == "\n") {
                return index
            }
            later = scalar
            index = previous
        }
        return nil
    }

    /// The last sentence boundary `lastBoundary`'s character walk would record for a character
    /// starting before `end` in `window`: after a `.`, `!` or `?` followed by whitespace, or at a
    /// newline (not at the window's start). The scalars that can start such a character are the
    /// candidates, met from the end; each is checked on the character view (`sentenceEnd`), so
    /// the answer is the walk's, also where grapheme rules join a candidate to what precedes it.
    static func lastSentenceEnd(in window: Substring, before end: String.Index, followedBy after: Substring) -> String.Index? {
        let scalars = window.unicodeScalars
        var position = end
        while position > scalars.startIndex {
            let candidate = scalars.index(before: position)
            let scalar = scalars[candidate]
            if isNewlineScalar(scalar) || scalar == "." || scalar == "!" || scalar == "?",
               let found = sentenceEnd(at: candidate, in: window, followedBy: after) {
                return found
            }
            position = candidate
        }
        return nil
    }

    /// The sentence boundary of the character starting at `start`, as the character walk records
    /// it; nil when `start` is not a character's start or that character ends no sentence.
    private static func sentenceEnd(at start: String.Index, in window: Substring, followedBy after: Substring) -> String.Index? {
        let next = window.index(after: start)
        // Character indexing rounds an index inside a grapheme down: `start` is a character's start
        // exactly when stepping over its character and back returns to it.
        guard window.index(before: next) == start else { return nil }
        let character = window[start]
        if character.isNewline { return start > window.startIndex ? start : nil }
        guard ".!?".contains(character) else { return nil }
        let following: Character? = next < window.endIndex ? window[next] : after.first
        return following?.isWhitespace == true ? next : nil
    }

    /// The scalars that make a `Character` a newline on their own (with CR LF, every newline character).
    private static func isNewlineScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// Splits a leading grapheme longer than `limit` between Unicode scalars.
    private func hardSplitScalars(_ text: Substring, limit: Int) -> (Substring, Substring) {
        let scalars = text.unicodeScalars
        var end = scalars.startIndex
        var used = 0
        for index in scalars.indices {
            let width = scalars[index].utf16.count
            if used + width > limit { break }
            used += width
            end = scalars.index(after: index)
        }
        return (Substring(scalars[scalars.startIndex..<end]), Substring(scalars[end...]).drop(while: \.isWhitespace))
    }

    /// The opening line (e.g. ```` ```swift ````) of a code fence left open at the end of `text`.
    ///
    /// A fence line is a line (split at `"\n"` characters) whose first characters after spaces
    /// are three backticks. The lines are found on UTF-8 bytes: an LF byte is a `"\n"` character
    /// unless a CR precedes it (CR LF is one character), and a fence line's bytes start, after
    /// space bytes, with three backtick bytes. Only lines that do are checked on the character
    /// view (a combining mark after a space or a backtick makes another character), so the lines
    /// taken are exactly the character split's, without grapheme breaking the whole piece.
    static func openFence(in text: Substring) -> String? {
        var open: String?
        let bytes = text.utf8
        var lineStart = bytes.startIndex
        var index = bytes.startIndex
        var previous: UInt8 = 0
        func take(_ end: String.Index) {
            var first = lineStart
            while first < end, bytes[first] == 0x20 { first = bytes.index(after: first) }
            guard bytes[first..<end].starts(with: "```".utf8) else { return }
            let trimmed = text[lineStart..<end].drop(while: { $0 == " " })
            guard trimmed.hasPrefix("```") else { return }
            open = open == nil ? String(trimmed.trimmingTrailingWhitespace()) : nil
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x0A, previous != 0x0D {
                take(index)
                lineStart = bytes.index(after: index)
            }
            previous = byte
            index = bytes.index(after: index)
        }
        take(bytes.endIndex)
        return open
    }
}

extension Substring {
    /// This text without trailing whitespace.
    func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex {
            let before = index(before: end)
            guard self[before].isWhitespace else { break }
            end = before
        }
        return self[startIndex..<end]
    }
}
