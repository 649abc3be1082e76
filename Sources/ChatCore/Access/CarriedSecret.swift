import Bindings

/// The shared secret a command message carries (CONTRACT.md §4): `--secret <secret>` on an `/acp`
/// command, cut out of the text before it is parsed, fingerprinted or shown anywhere, and `/auth
/// <secret>`. Either way the message is one to delete from the chat where the bot may.
///
/// Where `--secret` is read: anywhere among an `/acp` command's arguments, except in free text
/// (the text of `steer`, `send` and the command line of `run`): there it must come before the
/// text (`/acp send --secret S target text`, `/acp send target --secret S text`,
/// `/acp run --secret S --yes cmd`), so a command line or prompt that contains `--secret` stays
/// intact. `--secret=S` works too; a leading — – − counts as `--`.
struct CarriedSecret: Sendable, Equatable {
    /// The message text without `--secret` and its value (unchanged when there is none).
    var text: String
    /// The value given with `--secret`; nil when none (an empty string when the flag had no value).
    var secret: String?
    /// True when the message carries a secret: `--secret` (with or without a value) or `/auth …`.
    var carriesSecret: Bool

    /// Reads `text`.
    init(_ text: String) {
        self.text = text
        secret = nil
        carriesSecret = false
        guard let head = CommandTokenizer.head(text) else { return }
        if head.name == "auth" {
            carriesSecret = !head.rest.allSatisfy(\.isWhitespace)
            return
        }
        guard head.name == "acp", let (sub, _) = CommandTokenizer.firstWord(head.rest) else { return }
        let command = CommandName(rawValue: sub.lowercased())
        // Free text starts after this many positional words (nil: no free text).
        let positionalsBeforeText: Int? = switch command {
        case .steer, .run: 0
        case .send: 1
        default: nil
        }
        let valueFlags: Set<String> = command == .run ? ["timeout"] : []
        var cut: [Range<String.Index>] = []
        var positionals = 0
        // Indices of `head` and `sub` are indices of `text` (substrings of it).
        let segments = Self.segments(of: text, from: sub.endIndex)
        var index = 0
        while index < segments.count {
            let segment = segments[index]
            let word = text[segment]
            guard let flag = Self.flagName(word) else {
                if let limit = positionalsBeforeText, positionals >= limit { break }
                positionals += 1
                index += 1
                continue
            }
            if command == .run, flag.isEmpty { break }  // `--` ends run's flags
            let parts = flag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].lowercased()
            if name == "secret" {
                carriesSecret = true
                if parts.count == 2 {
                    secret = String(parts[1])
                    cut.append(segment)
                } else if index + 1 < segments.count {
                    secret = String(text[segments[index + 1]])
                    cut.append(segment.lowerBound..<segments[index + 1].upperBound)
                    index += 1
                } else {
                    secret = ""
                    cut.append(segment)
                }
            } else if parts.count == 1, valueFlags.contains(name) {
                index += 1  // its value
            }
            index += 1
        }
        guard !cut.isEmpty else { return }
        var kept = ""
        var cursor = text.startIndex
        for range in cut {
            kept += text[cursor..<range.lowerBound]
            cursor = text[range.upperBound...].firstIndex { !$0.isWhitespace } ?? text.endIndex
        }
        kept += text[cursor...]
        self.text = kept
    }

    /// The whitespace-separated segments of `text` from `start` on.
    private static func segments(of text: String, from start: String.Index) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var index = start
        while index < text.endIndex {
            if text[index].isWhitespace {
                index = text.index(after: index)
                continue
            }
            let end = text[index...].firstIndex(where: \.isWhitespace) ?? text.endIndex
            ranges.append(index..<end)
            index = end
        }
        return ranges
    }

    /// The flag's body after `--` (or one Unicode dash), nil when `word` is not a flag.
    private static func flagName(_ word: Substring) -> Substring? {
        if word.hasPrefix("--") { return word.dropFirst(2) }
        if let first = word.first, CommandTokenizer.unicodeDashes.contains(first) { return word.dropFirst() }
        return nil
    }
}
