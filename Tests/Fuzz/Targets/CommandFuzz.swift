import ChatCore

/// The command tokenizer and parser, on any chat text: a prompt carries the text unchanged,
/// text without `/` is always a prompt, free-text arguments are verbatim parts of the text, a
/// bot name only matters when one is written, and the answer is stable.
enum CommandFuzz {
    static let target = FuzzTarget(name: "commands", dictionary: [
        "/acp ", "/acp spawn", "/acp bind ", "/acp cancel", "/acp steer ", "/acp allow 1 once", "/acp reject 2 always", "/acp status",
        "/new ", "/reset", "/auth ", "/lock", "@acpd_bot", "@Other", " --bind here", " --thread auto", " --mode oneshot", " --cwd ", " --label ",
        " --", "=", "\"", "'", "\\", "\n", "\u{00A0}", "\u{200B}", "／",
    ]) { bytes throws(FuzzFailure) in
        let text = String(decoding: bytes, as: UTF8.self)
        let input = CommandParser.parse(text)
        try fuzzCheck(input == CommandParser.parse(text), "two answers for one text")
        if case .prompt(let prompt) = input { try fuzzCheck(prompt == text, "a prompt changed the text") }
        if !text.contains("/") { try fuzzCheck(input == .prompt(text), "text without / is not a prompt: \(input)") }
        if !text.contains("@") { try fuzzCheck(CommandParser.parse(text, botUsername: "acpd_bot") == input, "a bot name changed a text that names none") }
        if case .command(let command) = input {
            switch command {
            case .steer(let free), .new(text: .some(let free)), .reset(text: .some(let free)):
                try fuzzCheck(text.contains(free), "a free-text argument is not verbatim from the text: \(free.debugDescription)")
                try fuzzCheck(free.first.map { !$0.isWhitespace } ?? false, "a free-text argument starts blank: \(free.debugDescription)")
            default: break
            }
        }
        if case .invalid(_, let error) = input { try fuzzCheck(!error.chatText.isEmpty, "a refused command has no reply text") }
    }
}
