import ArgumentParser
import Bindings

/// `--config PATH`, shared by every command that reads the config, and the one way they load it:
/// `--config`, else `$ACPD_CONFIG`, else `./acpd.yaml` (CONTRACT.md §3), through `ConfigSource`.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("The config file (default: $ACPD_CONFIG, else ./acpd.yaml).", valueName: "PATH"))
    var path: String?

    /// The config and where it came from; the embedded defaults when nothing is named and
    /// `./acpd.yaml` does not exist. `serving` (`run`, `chat`) also creates the embedded demo
    /// agent's workspace (`ConfigSource.loadForServing`).
    func load(serving: Bool = false) throws(ConfigError) -> (config: ACPDConfig, description: String) {
        serving ? try ConfigSource.loadForServing(option: path) : try ConfigSource.load(option: path)
    }

    /// `load` for a terminal command: on failure the issues go to stderr and the command exits 1.
    func loadOrExit(serving: Bool = false) throws -> (config: ACPDConfig, description: String) {
        do { return try load(serving: serving) } catch {
            StandardStreams.error("\(error)\n")
            throw ExitCode(1)
        }
    }
}
