import ACPControlPlane
import Bindings

/// The rules of `/acp run` beyond who may send it (`access.shell`, CONTRACT.md §3): deny
/// patterns, allowed prefixes, and the environment a command gets.
///
/// Commands are compared in a normal form: lowercased, every run of whitespace one space, trimmed
/// (so `RM   -RF` matches `rm -rf`). This is a tripwire against accidents by trusted operators,
/// not a sandbox: a determined owner can always phrase a command around a pattern.
struct ShellPolicy: Sendable {
    let config: ShellConfig

    /// Characters that chain, substitute or redirect in `/bin/sh`: with `allowPrefixes` set, a
    /// command may not contain them, or `ls; rm x` would pass as `ls`.
    static let chaining: [String] = [";", "&", "|", "`", "$(", ">", "<", "\n", "\r"]

    /// Throws `ACP_INVALID_ARGUMENT` when `command` matches a deny pattern, or misses every
    /// allowed prefix (or chains another command) when there are allowed prefixes.
    func check(_ command: String) throws(ACPError) {
        let normal = Self.normalised(command)
        for pattern in config.denyPatterns {
            let normalPattern = Self.normalised(pattern, trimming: false)
            guard !normalPattern.isEmpty, normal.contains(normalPattern) else { continue }
            throw ACPError(.invalidArgument, message: "refused: the command matches the deny pattern \"\(pattern)\" (access.shell.denyPatterns)",
                           hint: "run it on the host yourself, or change access.shell.denyPatterns")
        }
        let prefixes = config.allowPrefixes.map { Self.normalised($0) }.filter { !$0.isEmpty }
        guard !prefixes.isEmpty else { return }
        guard prefixes.contains(where: { Self.starts(normal, with: $0) }) else {
            throw ACPError(.invalidArgument, message: "refused: the command starts with none of access.shell.allowPrefixes",
                           hint: "allowed: " + config.allowPrefixes.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        if let found = Self.chaining.first(where: { command.contains($0) }) {
            let shown = found == "\n" ? "a newline" : found == "\r" ? "a carriage return" : "\"\(found)\""
            throw ACPError(.invalidArgument, message: "refused: with access.shell.allowPrefixes set, a command may not contain \(shown)",
                           hint: "run one allowed command at a time")
        }
    }

    /// True when `command` starts with `prefix` as whole words: `git status` allows `git status -s`,
    /// not `git statusx`; a prefix ending in a non-alphanumeric character (`./scripts/`) allows any continuation.
    static func starts(_ command: String, with prefix: String) -> Bool {
        guard command.hasPrefix(prefix) else { return false }
        guard let last = prefix.last, last.isLetter || last.isNumber else { return true }
        let next = command.dropFirst(prefix.count).first
        return next == nil || next == " "
    }

    /// The environment of a command: the names of `acp.env.passthrough` that are set in acpd's
    /// environment, then `agent`'s `env` entries whose names are not secret-like
    /// (`RedactionNames.isSecretName`): the agents' controlled environment without the agent's keys.
    /// Nothing else of acpd's environment (bot tokens, the API token, the secret) gets through.
    static func environment(passthrough: [String], agent: AgentConfig?, host: [String: String]) -> [String: String] {
        var environment: [String: String] = [:]
        for name in passthrough {
            if let value = host[name] { environment[name] = value }
        }
        for (name, value) in agent?.env ?? [:] where !RedactionNames.isSecretName(name) {
            environment[name] = value
        }
        return environment
    }

    /// `text` lowercased with each run of whitespace as one space (and trimmed unless told not to).
    static func normalised(_ text: String, trimming: Bool = true) -> String {
        var output = ""
        var pendingSpace = false
        for character in text.lowercased() {
            if character.isWhitespace {
                pendingSpace = true
                continue
            }
            if pendingSpace, !(trimming && output.isEmpty) { output.append(" ") }
            pendingSpace = false
            output.append(character)
        }
        if pendingSpace, !trimming { output.append(" ") }
        return output
    }
}
