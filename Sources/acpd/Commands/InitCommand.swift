import ArgumentParser
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `acpd init [--agent claude|codex|gemini|demo|CMD…] [--config PATH] [--force]`: writes a
/// commented, valid config for one agent and prints the next step (docs/operations.md).
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented config for one agent (claude, codex, gemini, demo, or a command).",
        discussion: """
        The file is --config PATH, else $ACPD_CONFIG, else ./acpd.yaml; an existing one is kept
        unless --force. The agent's sessions start in ./workspace beside the file (created), the
        store goes to ./.acpd. Checks that the agent's command resolves on PATH and says how to
        install it when it does not. Next: `acpd doctor`, `acpd chat`, `acpd setup telegram`.
        """
    )

    @Option(name: .long, help: ArgumentHelp("claude (claude-code-acp), codex (codex-acp), gemini (gemini --experimental-acp), demo (the bundled demo agent), or a command line.", valueName: "AGENT"))
    var agent = "demo"

    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Overwrite an existing config file.")
    var force = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let cwd = FileManager.default.currentDirectoryPath
        let location = ConfigLoader.locate(option: config.path, environment: environment, currentDirectory: cwd)
        guard let preset = AgentPreset.named(agent, demoCommand: EmbeddedDefaults.demoAgentCommand()) else {
            StandardStreams.error("--agent is empty: name one of \(AgentPreset.names.joined(separator: ", ")) or a command\n")
            throw ExitCode(2)
        }
        if FileManager.default.fileExists(atPath: location.path), !force {
            StandardStreams.error("\(location.path) exists; kept as it is (pass --force to overwrite it)\n")
            throw ExitCode(1)
        }
        let commandLine = (["acpd init", "--agent", agent.contains(" ") ? "\"\(agent)\"" : agent]).joined(separator: " ")
        let text = InitTemplate.yaml(agent: preset, commandLine: commandLine)
        let directory = PathRules.directory(of: location.path)
        do {
            _ = try ConfigLoader.parse(text, baseDirectory: directory, file: location.path, environment: environment)
        } catch {
            StandardStreams.error("the config for --agent \(agent) would not validate:\n\(error)\n")
            throw ExitCode(1)
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try text.write(toFile: location.path, atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: PathRules.join(directory, "workspace"), withIntermediateDirectories: true)
        } catch {
            StandardStreams.error("cannot write \(location.path): \(error)\n")
            throw ExitCode(1)
        }
        print("wrote \(location.path) (agent \(preset.id): \(preset.command.joined(separator: " ")))")
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        if let found = preset.resolve(path: path, currentDirectory: directory) {
            print("agent command: \(found)")
        } else {
            print("warning: \(preset.command[0]) is not on PATH yet")
            print("  install: \(preset.install ?? "install it, or put its absolute path into agents.\(preset.id).command")")
        }
        let flag = location.source == .currentDirectory ? "" : " --config \(location.path)"
        print("""
            next:
              acpd doctor\(flag)                 # checks the agent starts and answers
              acpd chat\(flag)                   # talk to it in this terminal
              acpd setup telegram\(flag)         # or: acpd setup discord\(flag) — bind a chat
            """)
    }
}
