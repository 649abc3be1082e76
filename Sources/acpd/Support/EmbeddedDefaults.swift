import JSONKit
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What acpd runs on when no config file exists: the bundled demo agent (found next to the `acpd`
/// executable, else on PATH), sessions in `./workspace`, the store in `./.acpd`.
enum EmbeddedDefaults {
    /// The embedded config, validated by the same loader as a file.
    static func config(currentDirectory: String) throws(ConfigError) -> ACPDConfig {
        let yaml = """
        stateDir: ./.acpd
        acp:
          defaultAgent: demo
        agents:
          demo:
            command: [\(jsonString(demoAgentCommand())), "--modes"]
            cwd: ./workspace
        """
        return try ConfigLoader.parse(yaml, baseDirectory: currentDirectory, file: nil, environment: [:])
    }

    /// `acpd-demo-agent` beside this executable when it is there (a build tree or an install
    /// prefix), else the bare name, resolved on PATH when the agent starts.
    static func demoAgentCommand() -> String {
        let beside = executableDirectory().appendingPathComponent("acpd-demo-agent").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : "acpd-demo-agent"
    }

    static func executableDirectory() -> URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    private static func jsonString(_ text: String) -> String {
        JSONValue.string(text).jsonText(options: [.withoutEscapingSlashes])
    }
}

/// Loads the config the way every command does: `--config`, `$ACPD_CONFIG`, `./acpd.yaml`; when
/// none was named and `./acpd.yaml` does not exist, the embedded defaults.
enum ConfigSource {
    static let embeddedDescription = "embedded defaults (no ./acpd.yaml)"

    static func load(option: String?) throws(ConfigError) -> (config: ACPDConfig, description: String) {
        let environment = ProcessInfo.processInfo.environment
        let cwd = FileManager.default.currentDirectoryPath
        let location = ConfigLoader.locate(option: option, environment: environment, currentDirectory: cwd)
        if location.source == .currentDirectory, !FileManager.default.fileExists(atPath: location.path) {
            return (try EmbeddedDefaults.config(currentDirectory: cwd), embeddedDescription)
        }
        return (try ConfigLoader.load(path: location.path, environment: environment), location.path)
    }

    /// `load` for the commands that serve chat (`run`, `chat`): on the embedded defaults it also
    /// creates the demo agent's `./workspace`, so a first run just works. A config file's agent
    /// folders are the operator's to create (`acpd doctor` reports a missing one).
    static func loadForServing(option: String?) throws(ConfigError) -> (config: ACPDConfig, description: String) {
        let loaded = try load(option: option)
        if loaded.description == embeddedDescription {
            for agent in loaded.config.agents.values {
                try? FileManager.default.createDirectory(atPath: agent.cwd, withIntermediateDirectories: true)
            }
        }
        return loaded
    }
}
