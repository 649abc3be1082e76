import ChatCore

/// The options of one `/acp` subcommand, read from its usage line in ChatCore
/// (`CommandName.usage`), so the slash command and the text grammar cannot drift:
/// `<x>` is a required text option, `[x]` an optional one, `[--flag a|b]` an optional option
/// with those choices, `[--flag VALUE]` an optional text option, `[--flag]` an optional boolean.
struct UsageOption: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A positional argument (its value goes in place).
        case positional
        /// `--name value`.
        case flag
        /// `--name` alone, when true.
        case switchFlag
    }

    /// The option's name on Discord (lowercase, 1-32 of `a-z0-9_-`).
    var name: String
    var kind: Kind
    var required: Bool
    var choices: [String]
    /// The usage fragment it came from (its description).
    var usage: String

    /// The options of `usage` after the command words (`/acp spawn`), in order.
    static func parse(_ usage: String) -> [UsageOption] {
        var options: [UsageOption] = []
        var rest = Substring(usage)
        while let open = rest.firstIndex(where: { $0 == "[" || $0 == "<" }) {
            let closing: Character = rest[open] == "[" ? "]" : ">"
            guard let close = rest[open...].firstIndex(of: closing) else { break }
            let inner = rest[rest.index(after: open)..<close]
            let required = closing == ">"
            let fragment = String(rest[open...close])
            rest = rest[rest.index(after: close)...]
            let words = inner.split(separator: " ")
            guard let first = words.first else { continue }
            if first.hasPrefix("--") {
                let name = sanitised(String(first.dropFirst(2)))
                if words.count == 1 {
                    options.append(UsageOption(name: name, kind: .switchFlag, required: false, choices: [], usage: fragment))
                } else {
                    let value = words[1]
                    let choices = value.contains("|") ? value.split(separator: "|").map(String.init) : []
                    options.append(UsageOption(name: name, kind: .flag, required: required, choices: choices, usage: fragment))
                }
            } else {
                let name = sanitised(String(first.split(separator: "|").first ?? first))
                options.append(UsageOption(name: name, kind: .positional, required: required, choices: [], usage: fragment))
            }
        }
        return options
    }

    /// A Discord option name for `word`: lowercase, only `a-z0-9_-`, 1-32 characters.
    static func sanitised(_ word: String) -> String {
        let kept = word.lowercased().filter { ($0.isLetter && $0.isASCII) || $0.isNumber || $0 == "-" || $0 == "_" }
        return kept.isEmpty ? "value" : String(kept.prefix(32))
    }
}
