import ACPControlPlane
import Bindings

/// The grammar of `/acp mode|set|model|options|reset-options|permissions|timeout|commands`.
extension CommandParser {
    static func parseAgentOptions(_ name: CommandName, _ tokens: [CommandToken]) throws(ACPError) -> ChatCommand {
        let args = try CommandArguments(name, tokens: tokens)
        switch name {
        case .mode:
            try args.expectPositionals(0...1, what: "mode id")
            return .mode(id: args.positionals.first)
        case .set:
            try args.expectPositionals(0...2, what: "option")
            return .set(option: args.positionals.first, value: args.positionals.count == 2 ? args.positionals[1] : nil)
        case .model:
            try args.expectPositionals(0...1, what: "model")
            return .model(value: args.positionals.first)
        case .permissions:
            try args.expectPositionals(1...1, what: "permission mode")
            guard let mode = PermissionMode(rawValue: args.positionals[0].lowercased()) else {
                throw CommandArguments.error(name, "\(PermissionMode.allCases.map(\.rawValue).joined(separator: "|")), not \(args.positionals[0].prefix(40))")
            }
            return .permissions(mode)
        case .timeout:
            try args.expectPositionals(1...1, what: "seconds")
            let range = ConfigLimits.turnTimeoutSeconds
            guard let seconds = Int(args.positionals[0]), range.contains(seconds) else {
                throw CommandArguments.error(name, "seconds must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(args.positionals[0].prefix(40))")
            }
            return .timeout(seconds: seconds)
        case .options, .resetOptions, .commands:
            try args.expectPositionals(0...0, what: "")
            return name == .options ? .options : name == .resetOptions ? .resetOptions : .commands
        default:
            return .help
        }
    }
}
