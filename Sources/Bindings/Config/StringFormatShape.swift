extension StringFormat {
    /// The string shapes of the config, each checked by hand-written code equivalent to the
    /// `pattern` of the format that uses it, matched against the whole string.
    ///
    /// The patterns are Swift Regex patterns, whose default semantics work on `Character`s
    /// (grapheme clusters): an ASCII class like `[A-Za-z0-9]` matches only a `Character` made of
    /// one scalar in that class (so `e` + U+0301 is not a letter), `\s` matches a `Character` that
    /// is whitespace (`"\r\n"` is one such `Character`), and counts (`{0,63}`) are `Character`s.
    enum Shape: Sendable {
        /// No pattern: every string.
        case any
        /// `[A-Za-z0-9][A-Za-z0-9_-]{0,63}`
        case identifier
        /// `[A-Za-z0-9][A-Za-z0-9_-]{0,63}`, checked by `AccountID.isValid`
        case accountId
        /// `\*|[A-Za-z0-9][A-Za-z0-9_-]{0,63}`, checked by `AccountID`
        case accountMatch
        /// `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`
        case label
        /// `[A-Za-z_][A-Za-z0-9_]*`
        case envName
        /// `(telegram|discord|http|console):[^\s]+`
        case sender
        /// `(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}`
        case hostPort
        /// `https?://[^\s]+`
        case url

        /// True when the whole of `text` has this shape.
        func matches(_ text: String) -> Bool {
            switch self {
            case .any:
                return true
            case .identifier:
                return Self.isName(text, extra: "_-")
            case .accountId:
                return AccountID.isValid(text)
            case .accountMatch:
                return text == AccountID.wildcard || AccountID.isValid(text)
            case .label:
                return Self.isName(text, extra: "._-")
            case .envName:
                guard let first = text.first, first == "_" || Self.isASCIILetter(first) else { return false }
                return text.dropFirst().allSatisfy { $0 == "_" || Self.isASCIILetter($0) || Self.isASCIIDigit($0) }
            case .sender:
                for channel in ["telegram:", "discord:", "http:", "console:"] where text.starts(with: channel) {
                    return Self.isNonEmptyWithoutWhitespace(text.dropFirst(channel.count))
                }
                return false
            case .url:
                for scheme in ["http://", "https://"] where text.starts(with: scheme) {
                    return Self.isNonEmptyWithoutWhitespace(text.dropFirst(scheme.count))
                }
                return false
            case .hostPort:
                return Self.isHostPort(text)
            }
        }

        /// A letter or digit, then 0–63 letters, digits or characters of `extra` (all ASCII).
        private static func isName(_ text: String, extra: String) -> Bool {
            guard let first = text.first, isASCIILetter(first) || isASCIIDigit(first) else { return false }
            let rest = text.dropFirst()
            return rest.count <= 63 && rest.allSatisfy { isASCIILetter($0) || isASCIIDigit($0) || extra.contains($0) }
        }

        private static func isHostPort(_ text: String) -> Bool {
            let characters = Array(text)
            // Host: `[` hex digits, colons and dots `]` (the class holds no `]`, so the first one
            // closes it), or a run of letters, digits, dots and dashes (no colon, so the first
            // colon ends it). Then `:` and 1–5 digits, to the end.
            var index = 0
            if characters.first == "[" {
                index = 1
                while index < characters.count, isASCIIHexDigit(characters[index]) || characters[index] == ":" || characters[index] == "." {
                    index += 1
                }
                guard index > 1, index < characters.count, characters[index] == "]" else { return false }
                index += 1
            } else {
                while index < characters.count, isASCIILetter(characters[index]) || isASCIIDigit(characters[index])
                    || characters[index] == "." || characters[index] == "-" {
                    index += 1
                }
                guard index > 0 else { return false }
            }
            guard index < characters.count, characters[index] == ":" else { return false }
            let port = characters[(index + 1)...]
            return (1...5).contains(port.count) && port.allSatisfy(isASCIIDigit)
        }

        private static func isNonEmptyWithoutWhitespace(_ text: Substring) -> Bool {
            !text.isEmpty && !text.contains(where: \.isWhitespace)
        }

        /// The `Character` is a single Unicode scalar that satisfies `predicate`.
        private static func isSingleScalar(_ character: Character, _ predicate: (UInt32) -> Bool) -> Bool {
            let scalars = character.unicodeScalars
            guard scalars.count == 1, let scalar = scalars.first else { return false }
            return predicate(scalar.value)
        }

        private static func isASCIILetter(_ character: Character) -> Bool {
            isSingleScalar(character) { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
        }

        private static func isASCIIDigit(_ character: Character) -> Bool {
            isSingleScalar(character) { (0x30...0x39).contains($0) }
        }

        private static func isASCIIHexDigit(_ character: Character) -> Bool {
            isSingleScalar(character) { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
        }
    }
}
