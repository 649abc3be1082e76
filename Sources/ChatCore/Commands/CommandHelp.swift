import Bindings

/// The usage text of `/acp help` and bare `/acp`, generated from `CommandName`'s grammar data.
public enum CommandHelp {
    /// `OK: acpd commands` followed by one line per command: usage, summary, who may run it, and
    /// `[guarded]` when `guardedBySecret` and the command needs `/auth` first.
    public static func text(guardedBySecret: Bool = false) -> String {
        var lines = ["OK: acpd commands"]
        for command in CommandName.allCases {
            var line = "\(command.usage) — \(command.summary) (\(command.policy.rawValue))"
            if guardedBySecret, command.isGuarded { line += " [guarded]" }
            lines.append(line)
        }
        lines.append("target: a session key or label; omitted = the session bound here.")
        if guardedBySecret { lines.append("[guarded] commands need /auth <secret> first.") }
        return lines.joined(separator: "\n")
    }
}
