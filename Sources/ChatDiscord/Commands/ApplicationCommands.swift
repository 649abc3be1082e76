import ChatCore
import JSONKit

/// acpd's application (slash) commands, generated from ChatCore's command definitions
/// (`CommandName`: names, summaries, usage lines) so they cannot drift from the text grammar:
/// `/acp` with one subcommand per `/acp` command, its options read from the usage line
/// (`UsageOption`: positional arguments, `--flag` options with their choices, switches), and
/// `/new`, `/reset` with an optional text. An invocation becomes the same text a user would type.
public enum ApplicationCommands {
    /// Discord's limits: 25 subcommands, names of 1-32 lowercase characters, descriptions of 1-100.
    static let maxDescription = 100

    /// The top-level commands registered.
    public static let topLevel: [CommandName] = [.new, .reset]

    /// Discord allows 25 options under `/acp`, fewer than acpd has commands: these go one level
    /// down, as subcommand groups (`/acp agent mode plan` is `/acp mode plan`). Every other `/acp`
    /// command is a subcommand of its own. The text a group's subcommand stands for has no group
    /// word: the typed grammar stays flat.
    public static let groups: [(name: String, description: String, commands: [CommandName])] = [
        ("agent", "the agent's modes, options and commands; this session's overrides",
         [.mode, .set, .model, .options, .resetOptions, .permissions, .timeout, .commands]),
    ]

    /// The `/acp` commands that are subcommands of `/acp` itself, in `CommandName` order.
    static var ungrouped: [CommandName] {
        let grouped = Set(groups.flatMap(\.commands))
        return CommandName.allCases.filter { !$0.isTopLevel && !grouped.contains($0) }
    }

    /// The body of the bulk overwrite (`PUT …/commands`). `/acp` has at most 25 options (checked
    /// by the tests): one subcommand per ungrouped command, then the groups.
    public static func definitions() -> JSONValue {
        let subcommands = ungrouped.map(subcommand) + groups.map { group in
            JSONValue(["type": 2, "name": .string(group.name), "description": .string(clip(group.description)),
                       "options": .array(group.commands.map(subcommand))])
        }
        var commands: [JSONValue] = [["name": "acp", "type": 1, "description": "acpd: sessions, status, cancel, help", "options": .array(subcommands)]]
        for command in topLevel {
            commands.append(["name": .string(command.rawValue), "type": 1, "description": .string(clip(command.summary)),
                             "options": [["type": 3, "name": "text", "description": "the first prompt of the fresh session", "required": false]]])
        }
        return .array(commands)
    }

    /// One subcommand: its options read from the usage line.
    private static func subcommand(_ command: CommandName) -> JSONValue {
        var sub: [String: JSONValue] = ["type": 1, "name": .string(command.rawValue), "description": .string(clip(command.summary))]
        // Discord wants required options before optional ones (`/acp run`'s command comes last in its usage).
        let parsed = UsageOption.parse(command.usage)
        let options = (parsed.filter(\.required) + parsed.filter { !$0.required }).prefix(25).map { option -> JSONValue in
            var json: [String: JSONValue] = ["type": option.kind == .switchFlag ? 5 : 3, "name": .string(option.name),
                                             "description": .string(clip(option.usage)), "required": .bool(option.required)]
            if !option.choices.isEmpty {
                json["choices"] = .array(option.choices.prefix(25).map { ["name": .string($0), "value": .string($0)] })
            }
            return JSONValue(json)
        }
        if !options.isEmpty { sub["options"] = .array(Array(options)) }
        return JSONValue(sub)
    }

    /// The text command an APPLICATION_COMMAND interaction's `data` stands for (`/acp status x`,
    /// `/new hello`), or nil for a command acpd did not register.
    public static func text(of data: JSONValue) -> String? {
        guard let name = data["name"]?.stringValue else { return nil }
        if name == "acp" {
            guard case .array(let options)? = data["options"], var sub = options.first else { return "/acp" }
            // A group's subcommand (`/acp agent mode`) is one level further down.
            if let group = sub["name"]?.stringValue, groups.contains(where: { $0.name == group }) {
                guard case .array(let inner)? = sub["options"], let first = inner.first else { return "/acp" }
                sub = first
            }
            guard let subName = sub["name"]?.stringValue, let command = CommandName(rawValue: subName), !command.isTopLevel else { return "/acp" }
            var words = ["/acp", subName]
            for option in UsageOption.parse(command.usage) {
                switch (option.kind, value(sub["options"], named: option.name)) {
                case (.positional, .string(let text)?) where !text.isEmpty: words.append(text)
                case (.flag, .string(let text)?) where !text.isEmpty: words += ["--" + option.name, text]
                case (.switchFlag, .bool(true)?): words.append("--" + option.name)
                default: break
                }
            }
            return words.joined(separator: " ")
        }
        guard let command = CommandName(rawValue: name), topLevel.contains(command) else { return nil }
        return ["/" + name, optionValue(data["options"], named: "text")].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    private static func value(_ options: JSONValue?, named name: String) -> JSONValue? {
        guard case .array(let list)? = options else { return nil }
        return list.first { $0["name"]?.stringValue == name }?["value"]
    }

    private static func optionValue(_ options: JSONValue?, named name: String) -> String? {
        value(options, named: name)?.stringValue
    }

    private static func clip(_ text: String) -> String {
        text.count <= maxDescription ? text : String(text.prefix(maxDescription - 1)) + "…"
    }
}
