#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent `acpd init --agent` writes: a well-known ACP agent (its command and how to install
/// it), the bundled demo agent, or any command given as its argv.
struct AgentPreset: Equatable {
    /// The id under `agents`.
    var id: String
    /// The argv.
    var command: [String]
    /// How to install it when its executable is not found; nil for a custom command.
    var install: String?

    /// The names `--agent` knows.
    static let names = ["claude", "codex", "gemini", "demo"]

    /// `name` as a known agent, else as a command line (split on spaces) whose id is its executable's
    /// base name. Nil when it is empty.
    static func named(_ name: String, demoCommand: String) -> AgentPreset? {
        switch name {
        case "claude": return AgentPreset(id: "claude", command: ["claude-code-acp"],
                                          install: "npm install -g @zed-industries/claude-code-acp (then log in with `claude` once, or set ANTHROPIC_API_KEY)")
        case "codex": return AgentPreset(id: "codex", command: ["codex-acp"],
                                         install: "npm install -g @zed-industries/codex-acp (then `codex login`, or set OPENAI_API_KEY)")
        case "gemini": return AgentPreset(id: "gemini", command: ["gemini", "--experimental-acp"],
                                          install: "npm install -g @google/gemini-cli (then run `gemini` once to log in, or set GEMINI_API_KEY)")
        // With modes and a model option, so `/acp mode` and `/acp model` show something from the start.
        case "demo": return AgentPreset(id: "demo", command: [demoCommand, "--modes"],
                                        install: "build it beside acpd: swift build --product acpd-demo-agent")
        default:
            let argv = name.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let executable = argv.first else { return nil }
            return AgentPreset(id: identifier(from: executable), command: argv, install: nil)
        }
    }

    /// An agent id (`[A-Za-z0-9][A-Za-z0-9_-]{0,63}`) from an executable's base name.
    static func identifier(from executable: String) -> String {
        let base = executable.split(separator: "/").last.map(String.init) ?? executable
        var id = String(base.unicodeScalars.map { scalar -> Character in
            let ascii = scalar.isASCII ? Character(scalar) : "-"
            return ascii.isLetter || ascii.isNumber || ascii == "_" || ascii == "-" ? ascii : "-"
        })
        while let first = id.first, first == "-" || first == "_" { id.removeFirst() }
        return id.isEmpty ? "agent" : String(id.prefix(64))
    }

    /// Where the executable is: itself when it names a path and is executable, else its first
    /// match on `path`; nil when it does not resolve.
    func resolve(path: String, currentDirectory: String) -> String? {
        guard let executable = command.first else { return nil }
        let files = FileManager.default
        if executable.contains("/") {
            let full = executable.hasPrefix("/") ? executable : currentDirectory + "/" + executable
            return files.isExecutableFile(atPath: full) ? full : nil
        }
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(executable)"
            var isDirectory = false
            if files.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory,
               files.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }
}
