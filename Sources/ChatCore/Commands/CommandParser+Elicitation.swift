import ACPControlPlane

extension CommandParser {
    /// `/acp answer <n> [field=value …] [--set]` and `/acp decline <n>`.
    static func parseElicitationAnswer(_ name: CommandName, _ tokens: [CommandToken]) throws(ACPError) -> ChatCommand {
        let args = try CommandArguments(name, tokens: tokens, switches: name == .answer ? ["set"] : [])
        try args.expectPositionals(name == .answer ? 1...64 : 1...1, what: "question number")
        guard let number = Int(args.positionals[0]), number > 0 else {
            throw CommandArguments.error(name, "not a question number: \(args.positionals[0].prefix(40))")
        }
        guard name == .answer else { return .decline(number: number) }
        var fields: [FieldValue] = []
        for token in args.positionals.dropFirst() {
            guard let equals = token.firstIndex(of: "="), equals > token.startIndex else {
                throw CommandArguments.error(name, "expected field=value, not \(token.prefix(40))")
            }
            fields.append(FieldValue(field: String(token[..<equals]), value: String(token[token.index(after: equals)...])))
        }
        return .answer(number: number, fields: fields, setOnly: args.bareFlags.contains("set"))
    }
}
