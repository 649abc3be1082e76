import ArgumentParser
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What the setup wizards share: the config they edit, the token, questions on a terminal, the
/// binding they write.
enum SetupSupport {
    /// Whether stdin is a terminal (questions are asked only then).
    static var interactive: Bool { isatty(STDIN_FILENO) != 0 }

    /// The config file to edit: it must exist (`acpd init` writes one).
    /// The environment variable that holds an account's token: `<PREFIX>` for account `default`,
    /// else `<PREFIX>_<ACCOUNT>` (uppercase, other characters as `_`).
    static func tokenVariable(_ prefix: String, account: String) -> String {
        account == "default" ? prefix : prefix + "_" + account.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    static func configPath(_ option: String?) throws(SetupError) -> String {
        let location = ConfigLoader.locate(option: option, environment: ProcessInfo.processInfo.environment,
                                           currentDirectory: FileManager.default.currentDirectoryPath)
        guard FileManager.default.fileExists(atPath: location.path) else {
            throw SetupError(description: "\(location.path) does not exist: write one first with `acpd init --agent demo` (or claude, codex, gemini)")
        }
        return location.path
    }

    /// `--token`, else `$variable`, else the env file's, else asked on a terminal.
    static func token(_ option: String?, variable: String, configPath: String, what: String) throws(SetupError) -> String {
        if let option, !option.isEmpty { return option }
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
        if let value = EnvFile.beside(config: configPath).values()[variable], !value.isEmpty { return value }
        if interactive, let line = askSecret("\(what) (not shown as you type): "), !line.isEmpty { return line }
        throw SetupError(description: "no token: pass --token, or set $\(variable)", exitCode: 2)
    }

    /// Prints `question` and reads one line from stdin (nil at its end).
    static func ask(_ question: String) -> String? {
        StandardStreams.error(question)
        return readLine().map { String($0.drop { $0 == " " }.reversed().drop { $0 == " " || $0 == "\r" }.reversed()) }
    }

    /// `ask` with the terminal's echo off (a token is not shown on the screen).
    static func askSecret(_ question: String) -> String? {
        var saved = termios()
        let canHide = tcgetattr(STDIN_FILENO, &saved) == 0
        if canHide {
            var hidden = saved
            hidden.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &hidden)
        }
        defer {
            if canHide {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                StandardStreams.error("\n")
            }
        }
        return ask(question)
    }

    /// `true` with `--yes`; else on a terminal the answer to `question` (Enter = `defaultYes`);
    /// else false.
    static func confirm(_ question: String, yes: Bool, defaultYes: Bool = true) -> Bool {
        if yes { return true }
        guard interactive, let answer = ask("\(question) [\(defaultYes ? "Y/n" : "y/N")] ")?.lowercased() else { return false }
        return answer.isEmpty ? defaultYes : answer.hasPrefix("y")
    }

    /// The config as it is now, loaded with `environment` (fails when it does not load: it must be
    /// fixed before a wizard edits it).
    static func load(_ path: String, environment: [String: String]) throws(SetupError) -> ACPDConfig {
        do { return try ConfigLoader.load(path: path, environment: environment) } catch {
            throw SetupError(description: "fix the config first (`acpd config validate --config \(path)`):\n\(error)")
        }
    }

    /// Refuses when a running daemon of this config polls the account: two readers of one bot
    /// fight (Telegram answers 409 Conflict to one of them).
    static func refuseIfDaemonUses(_ config: ACPDConfig, channel: String, accountId: String) async throws(SetupError) {
        let declared = channel == "telegram" ? config.channels.telegram[accountId] != nil : config.channels.discord[accountId] != nil
        guard declared else { return }
        let (accounts, note) = await DaemonAPIClient.accounts(config)
        guard note == nil, let account = accounts.first(where: { $0.channel.rawValue == channel && $0.accountId == accountId }),
              account.state != .stopped, account.state != .failed else { return }
        throw SetupError(description: "acpd is running with \(channel) account \(accountId) (\(account.state.rawValue)) at \(config.api.listen): stop it first (systemctl stop acpd, or Ctrl-C on `acpd run`), run setup, then start it again")
    }

    /// The agent of the binding: `--agent`, else `acp.defaultAgent`, else the first declared.
    static func agent(_ option: String?, in config: ACPDConfig) throws(SetupError) -> String {
        if let option {
            guard config.agents[option] != nil else {
                throw SetupError(description: "no agent \(option) under agents (declared: \(config.agents.keys.sorted().joined(separator: ", ")))")
            }
            return option
        }
        if let id = config.acp.defaultAgent ?? config.agents.keys.sorted().first { return id }
        throw SetupError(description: "the config declares no agent: add one (acpd init --agent demo --force writes a fresh config)")
    }

    /// The `bindings` item for `chat`.
    static func binding(_ chat: DiscoveredChat, accountId: String, agent: String, route: Bool, cwd: String?) -> [String] {
        var lines = [
            "- type: \(route ? "route" : "acp")",
            "  agentId: \(agent)",
            "  match: { channel: \(chat.channel), accountId: \(accountId), peer: { kind: \(chat.peerKind), id: \"\(chat.conversationId)\" } }",
        ]
        if !route, let cwd { lines.append("  acp: { cwd: \"\(cwd)\" }") }
        return lines
    }

    /// Whether a binding of that type already matches `chat`'s conversation on the account.
    static func isBound(_ chat: DiscoveredChat, accountId: String, route: Bool, in config: ACPDConfig) -> Bool {
        config.bindings.contains {
            $0.channel.rawValue == chat.channel && $0.accountId == accountId && $0.peer?.id == chat.conversationId
                && ($0.kind == .route) == route
        }
    }

    /// How to start acpd with the env file.
    static func nextSteps(configPath: String) -> String {
        let envFile = EnvFile.beside(config: configPath).path
        return """
            next:
              acpd doctor --config \(configPath)     # with the env file loaded: set -a; . \(envFile); set +a
              set -a; . \(envFile); set +a; acpd run --config \(configPath)
            """
    }
}
