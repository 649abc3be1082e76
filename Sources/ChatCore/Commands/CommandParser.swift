import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Parses chat text into a `ChatInput` (CONTRACT.md §4): one grammar for every channel.
public enum CommandParser {
    /// Classifies `text` as a command, a bad command, a prompt, or a command for another bot.
    ///
    /// - Parameter botUsername: this bot's username (Telegram); when set, `/cmd@Other` is
    ///   `.notAddressedToUs` (compared case-insensitively). When nil, any `@Bot` suffix is accepted.
    /// - Guarantees: never throws; a prompt carries `text` unchanged; free-text arguments
    ///   (`steer`, `/new`, `/reset`) are kept verbatim from their first non-blank character on.
    public static func parse(_ text: String, botUsername: String? = nil) -> ChatInput {
        guard let head = CommandTokenizer.head(text) else { return .prompt(text) }
        if let bot = head.botName, let expected = botUsername,
           bot.lowercased() != expected.lowercased().trimmingPrefix("@").lowercased() {
            return .notAddressedToUs
        }
        let name: CommandName
        do {
            switch head.name {
            case "acp":
                guard let (word, rest) = CommandTokenizer.firstWord(head.rest) else { return .command(.help) }
                guard let sub = CommandName(rawValue: word.lowercased()), !sub.isTopLevel else {
                    return .invalid(.help, ACPError(.invalidArgument, message: "unknown command /acp \(word.prefix(40))",
                                                    hint: "see /acp help"))
                }
                name = sub
                return .command(try parseACP(sub, rest))
            case "new", "reset", "auth", "lock":
                name = CommandName(rawValue: head.name) ?? .help
                return .command(try parseTopLevel(name, head.rest))
            default:
                return .prompt(text)
            }
        } catch {
            return .invalid(name, error)
        }
    }

    private static func parseTopLevel(_ name: CommandName, _ rest: Substring) throws(ACPError) -> ChatCommand {
        let text = rest.isEmpty ? nil : String(rest)
        switch name {
        case .new: return .new(text: text)
        case .reset: return .reset(text: text)
        case .auth:
            let secret = rest.trimmingWhitespace()
            guard !secret.isEmpty else { throw CommandArguments.error(.auth, "missing secret") }
            return .auth(secret: secret)
        default:
            _ = try CommandArguments(.lock, tokens: tokens(.lock, rest)).expectPositionals(0...0, what: "")
            return .lock
        }
    }

    private static func parseACP(_ name: CommandName, _ rest: Substring) throws(ACPError) -> ChatCommand {
        if let parsed = try parseOperator(name, rest) { return parsed }
        if name == .steer {
            guard !rest.allSatisfy(\.isWhitespace) else { throw CommandArguments.error(.steer, "missing text") }
            return .steer(text: String(rest))
        }
        let tokens = try tokens(name, rest)
        switch name {
        case .spawn:
            let args = try CommandArguments(.spawn, tokens: tokens, valueFlags: ["mode", "bind", "thread", "cwd", "label"])
            try args.expectPositionals(0...1, what: "agent")
            let options = SpawnOptions(
                agent: args.positionals.first, mode: try args.choice("mode", as: SessionMode.self),
                bind: try args.choice("bind", as: SpawnOptions.Bind.self),
                thread: try args.choice("thread", as: SpawnOptions.Thread.self),
                cwd: args.flags["cwd"], label: args.flags["label"])
            if options.bind != nil, options.thread != nil {
                throw CommandArguments.error(.spawn, "--bind and --thread cannot be used together")
            }
            return .spawn(options)
        case .bind:
            let args = try CommandArguments(.bind, tokens: tokens, switches: ["persist"])
            try args.expectPositionals(1...1, what: "session key or label")
            return .bind(target: args.positionals[0], persist: args.bareFlags.contains("persist"))
        case .cancel, .close, .status:
            let args = try CommandArguments(name, tokens: tokens)
            try args.expectPositionals(0...1, what: "target")
            let target: SessionTarget = args.positionals.first.map { .named($0) } ?? .here
            return name == .cancel ? .cancel(target) : name == .close ? .close(target) : .status(target)
        case .approve, .deny:
            let args = try CommandArguments(name, tokens: tokens, valueFlags: name == .approve ? ["role"] : [])
            try args.expectPositionals(1...1, what: "pairing request id")
            let id = args.positionals[0]
            return name == .approve ? .approve(id: id, role: try args.choice("role", as: SenderRole.self) ?? .operator) : .deny(id: id)
        case .allow, .reject:
            let args = try CommandArguments(name, tokens: tokens)
            try args.expectPositionals(1...2, what: "request number")
            guard let number = Int(args.positionals[0]), number > 0 else {
                throw CommandArguments.error(name, "not a request number: \(args.positionals[0].prefix(40))")
            }
            var scope: PermissionScope?
            if args.positionals.count == 2 {
                guard let given = PermissionScope(rawValue: args.positionals[1].lowercased()) else {
                    throw CommandArguments.error(name, "once or always, not \(args.positionals[1].prefix(40))")
                }
                scope = given
            }
            return name == .allow ? .allow(number: number, scope: scope) : .reject(number: number, scope: scope)
        case .mode, .set, .model, .options, .resetOptions, .permissions, .timeout, .commands:
            return try parseAgentOptions(name, tokens)
        case .answer, .decline:
            return try parseElicitationAnswer(name, tokens)
        default:
            try CommandArguments(name, tokens: tokens).expectPositionals(0...0, what: "")
            switch name {
            case .unbind: return .unbind
            case .doctor: return .doctor
            default: return .help
            }
        }
    }

    /// The tokens of `rest`; a tokenising error is reported against `name` with its usage.
    static func tokens(_ name: CommandName, _ rest: Substring) throws(ACPError) -> [CommandToken] {
        do {
            return try CommandTokenizer.tokens(rest)
        } catch {
            throw CommandArguments.error(name, error.message)
        }
    }
}
