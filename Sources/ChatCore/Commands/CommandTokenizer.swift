import ACPControlPlane
import Bindings

/// The head of a chat command: `/name` or Telegram's `/name@BotName`, and the text after it.
struct CommandHead: Sendable, Equatable {
    /// The command name, lowercased, without `/` and without `@BotName`.
    var name: String
    /// The `@BotName` suffix (without `@`), when present.
    var botName: String?
    /// Everything after the command and the whitespace that follows it, verbatim.
    var rest: Substring
}

/// One argument token of a command line.
enum CommandToken: Sendable, Equatable {
    /// A positional word (quotes removed).
    case word(String)
    /// `--name`, `--name=value` (a leading — – − counts as `--`); `value` only for the `=` form.
    case flag(String, value: String?)
}

/// Splits chat text into a command head and argument tokens (CONTRACT.md §4).
///
/// Rules:
/// - Leading whitespace is ignored; a command starts with `/` followed by a letter. The name runs to
///   the first whitespace or `@`; `/name@Bot` carries the bot's username.
/// - Arguments are separated by whitespace (spaces, tabs, newlines).
/// - `--flag`, `--flag value`, `--flag=value`. One leading em dash `—`, en dash `–` or minus sign `−`
///   counts as `--` (phones turn `--` into `—`).
/// - Inside a token, `"…"` (or typographic `“…”`) quotes: whitespace inside is kept, the quotes are
///   removed, `\"` and `\\` inside quotes are a literal `"` and `\`. An unterminated quote is an error.
/// - Free-text arguments (`/acp steer`, `/new`, `/reset`, `/auth`) are not tokenised: the caller takes
///   `rest` verbatim.
enum CommandTokenizer {
    /// Dashes that stand for `--` at the start of a token.
    static let unicodeDashes: Set<Character> = ["\u{2014}", "\u{2013}", "\u{2212}"]
    static let openQuotes: Set<Character> = ["\"", "\u{201C}"]
    static let closeQuotes: Set<Character> = ["\"", "\u{201D}"]

    /// The command head of `text`, or nil when `text` is not a command (no leading `/` + letter).
    static func head(_ text: String) -> CommandHead? {
        let trimmed = text.drop(while: \.isWhitespace)
        guard trimmed.first == "/", let first = trimmed.dropFirst().first, first.isLetter else { return nil }
        let afterSlash = trimmed.dropFirst()
        let token = afterSlash.prefix { !$0.isWhitespace }
        let rest = afterSlash[token.endIndex...].drop(while: \.isWhitespace)
        if let at = token.firstIndex(of: "@") {
            let bot = token[token.index(after: at)...]
            return CommandHead(name: token[..<at].lowercased(), botName: String(bot), rest: rest)
        }
        return CommandHead(name: token.lowercased(), botName: nil, rest: rest)
    }

    /// The first whitespace-separated word of `text` and the text after it (leading whitespace of the
    /// remainder dropped, the rest verbatim); nil when `text` is blank.
    static func firstWord(_ text: Substring) -> (word: Substring, rest: Substring)? {
        let trimmed = text.drop(while: \.isWhitespace)
        guard !trimmed.isEmpty else { return nil }
        let word = trimmed.prefix { !$0.isWhitespace }
        return (word, trimmed[word.endIndex...].drop(while: \.isWhitespace))
    }

    /// The argument tokens of `text`.
    /// - Throws: `ACPError(.invalidArgument)` for an unterminated quote or an empty flag name.
    static func tokens(_ text: Substring) throws(ACPError) -> [CommandToken] {
        var tokens: [CommandToken] = []
        var index = text.startIndex
        while index < text.endIndex {
            if text[index].isWhitespace {
                index = text.index(after: index)
                continue
            }
            let (raw, quotedFrom, next) = try readToken(text, from: index)
            tokens.append(try classify(raw, quotedFrom: quotedFrom))
            index = next
        }
        return tokens
    }

    /// Reads one token starting at `start`: its unquoted text, the offset (in characters) where the
    /// first quote began (nil when unquoted), and the index after it.
    private static func readToken(_ text: Substring, from start: Substring.Index)
        throws(ACPError) -> (String, Int?, Substring.Index)
    {
        var value = ""
        var quotedFrom: Int?
        var index = start
        while index < text.endIndex, !text[index].isWhitespace {
            let char = text[index]
            guard openQuotes.contains(char) else {
                value.append(char)
                index = text.index(after: index)
                continue
            }
            if quotedFrom == nil { quotedFrom = value.count }
            index = text.index(after: index)
            var closed = false
            while index < text.endIndex {
                let inner = text[index]
                if inner == "\\", let escaped = text[text.index(after: index)...].first, escaped == "\"" || escaped == "\\" {
                    value.append(escaped)
                    index = text.index(index, offsetBy: 2)
                    continue
                }
                index = text.index(after: index)
                if closeQuotes.contains(inner) {
                    closed = true
                    break
                }
                value.append(inner)
            }
            if !closed {
                throw ACPError(.invalidArgument, message: "unterminated quote", hint: "close the quote: --label \"my label\"")
            }
        }
        return (value, quotedFrom, index)
    }

    /// A flag when the token starts (outside quotes) with `--` or one Unicode dash, else a word.
    private static func classify(_ raw: String, quotedFrom: Int?) throws(ACPError) -> CommandToken {
        let dashes: Int
        if raw.hasPrefix("--") {
            dashes = 2
        } else if let first = raw.first, unicodeDashes.contains(first) {
            dashes = 1
        } else {
            return .word(raw)
        }
        // A dash inside quotes ("--x") is a word, not a flag.
        if let quotedFrom, quotedFrom < dashes { return .word(raw) }
        let body = raw.dropFirst(dashes)
        let name: Substring
        var value: String?
        if let equals = body.firstIndex(of: "=") {
            name = body[..<equals]
            value = String(body[body.index(after: equals)...])
        } else {
            name = body
        }
        guard !name.isEmpty, name.first.map({ $0 != "-" && !unicodeDashes.contains($0) }) == true else {
            throw ACPError(.invalidArgument, message: "not a flag: \(raw.prefix(40))")
        }
        return .flag(name.lowercased(), value: value)
    }
}
