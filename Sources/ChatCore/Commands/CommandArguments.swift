import ACPControlPlane
import Bindings

/// The positional words and flags of one command, read against that command's flag grammar.
struct CommandArguments: Sendable, Equatable {
    let command: CommandName
    private(set) var positionals: [String] = []
    private(set) var flags: [String: String] = [:]
    private(set) var bareFlags: Set<String> = []

    /// Reads `tokens`: flags in `valueFlags` take the next word (or their `=` value), flags in
    /// `switches` take none; any other flag, a missing value or a repeated flag is an error.
    init(_ command: CommandName, tokens: [CommandToken], valueFlags: Set<String> = [], switches: Set<String> = [])
        throws(ACPError)
    {
        self.command = command
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token {
            case .word(let word):
                positionals.append(word)
            case .flag(let name, let inline):
                guard flags[name] == nil, !bareFlags.contains(name) else { throw Self.error(command, "--\(name) is given twice") }
                if valueFlags.contains(name) {
                    if let inline {
                        guard !inline.isEmpty else { throw Self.error(command, "--\(name) needs a value") }
                        flags[name] = inline
                    } else if index < tokens.count, case .word(let value) = tokens[index] {
                        flags[name] = value
                        index += 1
                    } else {
                        throw Self.error(command, "--\(name) needs a value")
                    }
                } else if switches.contains(name) {
                    guard inline == nil else { throw Self.error(command, "--\(name) takes no value") }
                    bareFlags.insert(name)
                } else {
                    throw Self.error(command, "unknown flag --\(name)")
                }
            }
        }
    }

    /// Checks the number of positional words.
    func expectPositionals(_ range: ClosedRange<Int>, what: String) throws(ACPError) {
        if positionals.count < range.lowerBound { throw Self.error(command, "missing \(what)") }
        if positionals.count > range.upperBound {
            throw Self.error(command, "unexpected argument \(positionals[range.upperBound].prefix(40))")
        }
    }

    /// The value of `--name` parsed as one of `T`'s raw values (case-insensitive), or nil when absent.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, as: T.Type) throws(ACPError) -> T?
        where T.RawValue == String
    {
        guard let raw = flags[name] else { return nil }
        guard let value = T(rawValue: raw.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: "|")
            throw Self.error(command, "--\(name) must be \(allowed), not \(raw.prefix(40))")
        }
        return value
    }

    /// An `ACPError(.invalidArgument)` naming the problem, with the command's usage as the hint.
    static func error(_ command: CommandName, _ problem: String) -> ACPError {
        let label = command.isTopLevel ? "/\(command.rawValue)" : "/acp \(command.rawValue)"
        return ACPError(.invalidArgument, message: "\(label): \(problem)", hint: "usage: \(command.usage)")
    }
}
