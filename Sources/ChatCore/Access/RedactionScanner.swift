import Bindings

/// The patterns `Redactor` looks for, as hand-written scanners over UTF-16 code units (one
/// linear pass each, no regex engine: cheaper per delivered text, and nothing to compile or load
/// at start-up). Ranges are half-open offsets in UTF-16 code units.
///
/// Every pattern may only begin where the previous character is not part of the same kind of
/// run, so a scan never starts inside a word it already passed.
struct RedactionScanner {
    let units: [UInt16]

    init(_ text: String) {
        units = Array(text.utf16)
    }

    // MARK: - Character classes (ASCII only, as the patterns are)

    private static func isDigit(_ u: UInt16) -> Bool { u >= 0x30 && u <= 0x39 }
    private static func isLetter(_ u: UInt16) -> Bool { (u >= 0x41 && u <= 0x5A) || (u >= 0x61 && u <= 0x7A) }
    /// `[A-Za-z0-9_-]`: token characters.
    private static func isToken(_ u: UInt16) -> Bool { isLetter(u) || isDigit(u) || u == 0x5F || u == 0x2D }
    /// `[A-Za-z0-9_.-]`: characters of a dotted name or a Discord token.
    private static func isDotted(_ u: UInt16) -> Bool { isToken(u) || u == 0x2E }
    /// `[A-Za-z0-9_]`: word characters.
    private static func isWord(_ u: UInt16) -> Bool { isLetter(u) || isDigit(u) || u == 0x5F }
    /// `[A-Za-z0-9._~+/=-]`: characters of a bearer credential.
    private static func isCredential(_ u: UInt16) -> Bool {
        isToken(u) || u == 0x2E || u == 0x7E || u == 0x2B || u == 0x2F || u == 0x3D
    }
    private static func isBlank(_ u: UInt16) -> Bool { u == 0x20 || u == 0x09 }
    private static func isQuote(_ u: UInt16) -> Bool { u == 0x22 || u == 0x27 }

    /// The end of the run of characters in `class` that starts at `start`.
    private func runEnd(from start: Int, _ inClass: (UInt16) -> Bool) -> Int {
        var end = start
        while end < units.count, inClass(units[end]) { end += 1 }
        return end
    }

    private func previous(_ index: Int, isNot inClass: (UInt16) -> Bool) -> Bool {
        index == 0 || !inClass(units[index - 1])
    }

    // MARK: - Patterns

    /// Every occurrence of `literal` (non-overlapping, left to right).
    func occurrences(of literal: [UInt16]) -> [Range<Int>] {
        guard let first = literal.first, literal.count <= units.count else { return [] }
        var found: [Range<Int>] = []
        var index = 0
        let last = units.count - literal.count
        while index <= last {
            if units[index] == first, units[index..<(index + literal.count)].elementsEqual(literal) {
                found.append(index..<(index + literal.count))
                index += literal.count
            } else {
                index += 1
            }
        }
        return found
    }

    /// Telegram bot tokens: 6–12 digits (the whole digit run), `:`, 30 or more token characters.
    func telegramTokens() -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < units.count {
            guard Self.isDigit(units[index]), previous(index, isNot: Self.isDigit) else { index += 1; continue }
            let digits = runEnd(from: index, Self.isDigit)
            let count = digits - index
            if (6...12).contains(count), digits < units.count, units[digits] == 0x3A {
                let end = runEnd(from: digits + 1, Self.isToken)
                if end - digits - 1 >= 30 {
                    found.append(index..<end)
                    index = end
                    continue
                }
            }
            index = digits
        }
        return found
    }

    /// Discord bot tokens (and JWTs): three token runs of 20+, 6+ and 25+ characters joined by dots.
    func discordTokens() -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < units.count {
            guard Self.isToken(units[index]), previous(index, isNot: Self.isDotted) else { index += 1; continue }
            let first = runEnd(from: index, Self.isToken)
            if first - index >= 20, first < units.count, units[first] == 0x2E {
                let second = runEnd(from: first + 1, Self.isToken)
                if second - first - 1 >= 6, second < units.count, units[second] == 0x2E {
                    let third = runEnd(from: second + 1, Self.isToken)
                    if third - second - 1 >= 25 {
                        found.append(index..<third)
                        index = third
                        continue
                    }
                }
            }
            index = first
        }
        return found
    }

    /// The credential of each `Bearer <credential>` (`B` or `b`, then `earer`, blanks, 8 or more
    /// credential characters).
    func bearerCredentials() -> [Range<Int>] {
        let earer: [UInt16] = Array("earer".utf16)
        var found: [Range<Int>] = []
        var index = 0
        while index < units.count {
            defer { index += 1 }
            guard units[index] == 0x42 || units[index] == 0x62, previous(index, isNot: Self.isWord),
                  index + 6 < units.count, units[(index + 1)..<(index + 6)].elementsEqual(earer) else { continue }
            var start = index + 6
            guard Self.isBlank(units[start]) else { continue }
            while start < units.count, Self.isBlank(units[start]) { start += 1 }
            let end = runEnd(from: start, Self.isCredential)
            if end - start >= 8 {
                found.append(start..<end)
                index = end - 1
            }
        }
        return found
    }

    /// One `NAME = `, `NAME: `, `"NAME": ` or `'NAME'=` head: the name's range and where its value begins.
    struct Assignment {
        /// Where the head begins (its opening quote, if any).
        var start: Int
        var name: Range<Int>
        var separator: UInt16
        var valueStart: Int
    }

    /// Every assignment head, left to right, not overlapping: an optional quote, a name
    /// (`[A-Za-z_][A-Za-z0-9_.-]*`, at most 128 characters), an optional quote, blanks, `:` or
    /// `=`, blanks.
    func assignments() -> [Assignment] {
        var found: [Assignment] = []
        var index = 0
        while index < units.count {
            guard previous(index, isNot: Self.isDotted), let head = assignment(at: index) else { index += 1; continue }
            found.append(head)
            index = head.valueStart
        }
        return found
    }

    private func assignment(at start: Int) -> Assignment? {
        var cursor = start
        if Self.isQuote(units[cursor]) { cursor += 1 }
        guard cursor < units.count, Self.isLetter(units[cursor]) || units[cursor] == 0x5F else { return nil }
        let nameEnd = runEnd(from: cursor + 1, Self.isDotted)
        guard nameEnd - cursor <= 128 else { return nil }
        var after = nameEnd
        if after < units.count, Self.isQuote(units[after]) { after += 1 }
        while after < units.count, Self.isBlank(units[after]) { after += 1 }
        guard after < units.count, units[after] == 0x3A || units[after] == 0x3D else { return nil }
        let separator = units[after]
        after += 1
        while after < units.count, Self.isBlank(units[after]) { after += 1 }
        return Assignment(start: start, name: cursor..<nameEnd, separator: separator, valueStart: after)
    }

    /// The value of an assignment that starts at `start` (after the separator and blanks): a quoted
    /// value up to its closing quote (or the line's end); else up to the line's end, a blank for the
    /// `=` form, or `,`/`}` for the `:` form, without trailing blanks. Nil for `==`, `::` and empty values.
    func valueRange(from start: Int, equalsForm: Bool) -> Range<Int>? {
        guard start < units.count else { return nil }
        let first = units[start]
        if first == 0x3D || first == 0x3A { return nil }
        var from = start
        var end = start
        if Self.isQuote(first) {
            from = start + 1
            end = from
            while end < units.count, units[end] != first, units[end] != 0x0A { end += 1 }
        } else {
            while end < units.count {
                let unit = units[end]
                if unit == 0x0A || unit == 0x0D { break }
                if equalsForm, Self.isBlank(unit) { break }
                if !equalsForm, unit == 0x2C || unit == 0x7D { break }
                end += 1
            }
            while end > from, Self.isBlank(units[end - 1]) { end -= 1 }
        }
        return end > from ? from..<end : nil
    }

    /// The text of `range`.
    func text(_ range: Range<Int>) -> String {
        String(decoding: units[range], as: UTF16.self)
    }
}
