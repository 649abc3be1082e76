/// Builds the argv of every acpx call the backend makes. Pure; tested table-driven.
///
/// Every session call has the same global part, in the order acpx documents:
/// `<acpx…> --format json --json-strict --cwd <cwd> --agent <agent command> <permission flags>
/// [--ttl N]`, followed by the subcommand. `--agent` (acpx's "raw agent command" escape hatch)
/// carries acpd's agent argv, quoted into the one string acpx splits again; the resolved string
/// is part of acpx's session scope, so it must be stable for a given argv (it is).
struct AcpxCommandLine: Sendable, Equatable {
    /// The acpx argv prefix (`acpx.command`).
    var acpx: [String]
    /// The agent's argv (`agents.<id>.command`).
    var agentCommand: [String]
    /// Absolute session working directory.
    var cwd: String
    var permissionMode: AcpxPermissionMode
    var queueOwnerTTLSeconds: Int?

    /// `sessions ensure --name <name> [--resume-session <id>]`: existing session, or a new one.
    func ensure(_ name: AcpxSessionName, resumeSessionId: String? = nil) -> [String] {
        var tail = ["sessions", "ensure", "--name", name.rawValue]
        if let resumeSessionId, !resumeSessionId.isEmpty { tail += ["--resume-session", resumeSessionId] }
        return global + tail
    }

    /// `prompt --session <name> --file -`: the prompt is read from stdin.
    func prompt(_ name: AcpxSessionName) -> [String] {
        global + ["prompt", "--session", name.rawValue, "--file", "-"]
    }

    /// `cancel --session <name>`: cooperative cancel of the running prompt (ACP `session/cancel`).
    func cancel(_ name: AcpxSessionName) -> [String] {
        global + ["cancel", "--session", name.rawValue]
    }

    /// `sessions close <name>`: soft-closes the session and stops its agent.
    func close(_ name: AcpxSessionName) -> [String] {
        global + ["sessions", "close", name.rawValue]
    }

    /// `--version`: the health probe.
    static func version(acpx: [String]) -> [String] {
        acpx + ["--version"]
    }

    /// The global options shared by every session call.
    var global: [String] {
        var argv = acpx
        argv += ["--format", "json", "--json-strict", "--cwd", cwd]
        argv += ["--agent", Self.agentCommandString(agentCommand)]
        argv += permissionMode.flags
        if let queueOwnerTTLSeconds { argv += ["--ttl", String(max(0, queueOwnerTTLSeconds))] }
        return argv
    }

    /// Joins an argv into the single command string acpx's `--agent` takes. acpx splits it like
    /// a POSIX shell without expansion: whitespace separates words, `'…'` is literal, `"…"` and a
    /// bare `\` escape the next character. Words of safe characters stay bare (readable in acpx's
    /// records); anything else is single-quoted, with `'` written as `'\''`.
    static func agentCommandString(_ argv: [String]) -> String {
        argv.map(quote).joined(separator: " ")
    }

    static func quote(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(isBareSafe) { return word }
        return "'" + word.replacing("'", with: "'\\''") + "'"
    }

    private static func isBareSafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "@", "%", "+", "=", ":", ",", ".", "/", "^", "~", "-": true
        default: false
        }
    }

    /// The inverse of `agentCommandString`, following acpx's splitting rules; used by tests and by
    /// the fake acpx to check that an argv survives the round trip. Nil on an unterminated quote.
    static func split(_ command: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var hasWord = false
        var quote: Character?
        var escaping = false
        for character in command {
            if escaping {
                current.append(character)
                escaping = false
                hasWord = true
            } else if character == "\\" && quote != "'" {
                escaping = true
            } else if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                hasWord = true
            } else if character == "'" || character == "\"" {
                quote = character
                hasWord = true
            } else if character.isWhitespace {
                if hasWord { words.append(current) }
                current = ""
                hasWord = false
            } else {
                current.append(character)
                hasWord = true
            }
        }
        if escaping {
            current.append("\\")
            hasWord = true
        }
        guard quote == nil else { return nil }
        if hasWord { words.append(current) }
        return words
    }
}
