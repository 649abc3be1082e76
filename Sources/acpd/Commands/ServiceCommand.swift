import ArgumentParser
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `acpd service install|uninstall [--user]`: acpd as a systemd service (docs/operations.md).
struct ServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Install or remove acpd as a systemd service.",
        subcommands: [Install.self, Uninstall.self]
    )

    /// Where the unit goes: `--unit-path`, else the user or the system unit directory.
    static func unitPath(_ option: String?, user: Bool) -> String {
        if let option { return PathRules.absolute(option, relativeTo: FileManager.default.currentDirectoryPath) }
        guard user else { return "/etc/systemd/system/acpd.service" }
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? "~") + "/.config")
        return base + "/systemd/user/acpd.service"
    }

    /// `systemctl` with `--user` when it is a user unit.
    static func systemctl(_ user: Bool) -> String { user ? "systemctl --user" : "sudo systemctl" }

    /// `acpd service install`.
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a systemd unit that runs `acpd run` with this config and the env file beside it.",
            discussion: """
            Type=notify (acpd tells systemd when it is ready), Restart=on-failure, ExecReload sends SIGHUP, EnvironmentFile=<config dir>/acpd.env,
            NoNewPrivileges, ProtectSystem=strict with the state dir and the workspace roots (or the
            agents' cwds) writable. Default unit path: /etc/systemd/system/acpd.service, or with --user
            ~/.config/systemd/user/acpd.service. An existing unit is kept unless --force.
            """
        )

        @OptionGroup var config: ConfigOptions

        @Flag(name: .long, help: "A user unit (systemctl --user) instead of a system one.")
        var user = false

        @Option(name: .long, help: ArgumentHelp("Write the unit here instead.", valueName: "PATH"))
        var unitPath: String?

        @Flag(name: .long, help: "Overwrite an existing unit.")
        var force = false

        func run() throws {
            do {
                try install()
            } catch let error as SetupError {
                StandardStreams.error("service install: \(error.description)\n")
                throw ExitCode(error.exitCode)
            }
        }

        private func install() throws {
            let configPath = try SetupSupport.configPath(config.path)
            let envFile = EnvFile.beside(config: configPath)
            var environment = ProcessInfo.processInfo.environment
            for (name, value) in envFile.values() where environment[name] == nil { environment[name] = value }
            let loaded = try SetupSupport.load(configPath, environment: environment)
            let path = ServiceCommand.unitPath(unitPath, user: user)
            if FileManager.default.fileExists(atPath: path), !force {
                throw SetupError(description: "\(path) exists; kept as it is (pass --force to overwrite it)")
            }
            let account = environment["SUDO_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["USER"]
            let unit = SystemdUnit(executable: EmbeddedDefaults.executableDirectory().appendingPathComponent("acpd").path,
                                   configPath: configPath, envFile: envFile.path, writablePaths: SystemdUnit.writablePaths(loaded),
                                   user: user || account == "root" ? nil : account, userUnit: user)
            do {
                try FileManager.default.createDirectory(atPath: PathRules.directory(of: path), withIntermediateDirectories: true)
                try unit.text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw SetupError(description: "cannot write \(path): \(error)\(user ? "" : " (a system unit needs root: sudo, or pass --user)")")
            }
            let systemctl = ServiceCommand.systemctl(user)
            print("wrote \(path)")
            print("""
                next:
                  \(systemctl) daemon-reload && \(systemctl) enable --now acpd
                  \(systemctl) reload acpd          # after editing the config (SIGHUP)
                  \(user ? "journalctl --user" : "journalctl") -u acpd -f             # its log
                """ + (user ? "\n  loginctl enable-linger \(account ?? "$USER")      # keep it running after you log out" : ""))
        }
    }

    /// `acpd service uninstall`.
    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the unit `acpd service install` wrote (stop and disable it first).")

        @Flag(name: .long, help: "The user unit.")
        var user = false

        @Option(name: .long, help: ArgumentHelp("The unit's path, when it was installed with --unit-path.", valueName: "PATH"))
        var unitPath: String?

        func run() throws {
            let path = ServiceCommand.unitPath(unitPath, user: user)
            guard FileManager.default.fileExists(atPath: path) else {
                StandardStreams.error("service uninstall: no unit at \(path)\n")
                throw ExitCode(1)
            }
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            guard text.hasPrefix("# acpd as a systemd service") else {
                StandardStreams.error("service uninstall: \(path) was not written by acpd service install; kept\n")
                throw ExitCode(1)
            }
            do { try FileManager.default.removeItem(atPath: path) } catch {
                StandardStreams.error("service uninstall: cannot remove \(path): \(error)\n")
                throw ExitCode(1)
            }
            let systemctl = ServiceCommand.systemctl(user)
            print("removed \(path)\nnext: \(systemctl) daemon-reload (stop and disable it first: \(systemctl) disable --now acpd)")
        }
    }
}
