import ACPControlPlane
import Bindings

/// The grammar of the operator commands (`/acp health`, `sessions`, `send`, `logs`, `run`).
extension CommandParser {
    /// Parses `rest` for an operator command; nil for the other commands.
    static func parseOperator(_ name: CommandName, _ rest: Substring) throws(ACPError) -> ChatCommand? {
        switch name {
        case .health:
            try CommandArguments(name, tokens: tokens(name, rest)).expectPositionals(0...0, what: "")
            return .health
        case .sessions:
            let args = try CommandArguments(name, tokens: tokens(name, rest), valueFlags: ["limit", "active-minutes", "agent"])
            try args.expectPositionals(0...0, what: "")
            var options = SessionListOptions()
            if let limit = args.flags["limit"] {
                options.limit = try number(limit, flag: "limit", in: 1...SessionListOptions.maxLimit, name)
            }
            if let minutes = args.flags["active-minutes"] {
                options.activeMinutes = try number(minutes, flag: "active-minutes", in: 1...525_600, name)
            }
            options.agent = args.flags["agent"]
            return .sessions(options)
        case .send:
            guard let (target, text) = CommandTokenizer.firstWord(rest) else { throw CommandArguments.error(name, "missing target") }
            if target.hasPrefix("--") || target.first.map(CommandTokenizer.unicodeDashes.contains) == true {
                throw CommandArguments.error(name, "unknown flag \(target.prefix(40))")
            }
            guard !text.allSatisfy(\.isWhitespace) else { throw CommandArguments.error(name, "missing text") }
            return .send(target: String(target), text: String(text))
        case .logs:
            let args = try CommandArguments(name, tokens: tokens(name, rest), valueFlags: ["tail", "grep"])
            try args.expectPositionals(0...0, what: "")
            var options = LogsOptions()
            if let tail = args.flags["tail"] { options.tail = try number(tail, flag: "tail", in: 1...LogsOptions.maxTail, name) }
            options.grep = args.flags["grep"]
            return .logs(options)
        case .run:
            return .run(try shellRun(rest))
        default:
            return nil
        }
    }

    /// `[--timeout S] --yes <command…>`: the flags come first; the command is everything from the
    /// first word that is not one of them, verbatim (`--` ends the flags explicitly).
    private static func shellRun(_ rest: Substring) throws(ACPError) -> ShellRunOptions {
        var remaining = rest
        var timeout: Int?
        var confirmed = false
        while let (word, after) = CommandTokenizer.firstWord(remaining) {
            let flag: Substring
            if word.hasPrefix("--") {
                flag = word.dropFirst(2)
            } else if let first = word.first, CommandTokenizer.unicodeDashes.contains(first) {
                flag = word.dropFirst()
            } else {
                break
            }
            remaining = after
            if flag.isEmpty { break }  // `--`: the command follows
            let parts = flag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            switch parts[0].lowercased() {
            case "yes":
                guard parts.count == 1 else { throw CommandArguments.error(.run, "--yes takes no value") }
                guard !confirmed else { throw CommandArguments.error(.run, "--yes is given twice") }
                confirmed = true
            case "timeout":
                guard timeout == nil else { throw CommandArguments.error(.run, "--timeout is given twice") }
                var value = parts.count == 2 ? parts[1] : nil
                if value == nil, let (next, afterValue) = CommandTokenizer.firstWord(remaining) {
                    value = next
                    remaining = afterValue
                }
                guard let value, !value.isEmpty else { throw CommandArguments.error(.run, "--timeout needs a value") }
                timeout = try number(String(value), flag: "timeout", in: 1...ConfigLimits.shellTimeoutSeconds.upperBound, .run)
            default:
                throw CommandArguments.error(.run, "unknown flag --\(parts[0].prefix(40)) (flags go before the command)")
            }
        }
        let command = remaining.drop(while: \.isWhitespace)
        guard !command.isEmpty else { throw CommandArguments.error(.run, "missing command") }
        guard confirmed else {
            throw CommandArguments.error(.run, "this runs a shell command on the host; to confirm, add --yes")
        }
        return ShellRunOptions(timeoutSeconds: timeout, command: String(command))
    }

    /// `text` as an integer in `range`, else an argument error naming `--flag` and the range.
    private static func number(_ text: String, flag: String, in range: ClosedRange<Int>, _ name: CommandName) throws(ACPError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw CommandArguments.error(name, "--\(flag) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(text.prefix(40))")
        }
        return value
    }
}
