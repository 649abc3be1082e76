import Bindings

/// The systemd unit `acpd service install` writes: `acpd run` as a `Type=notify` service (it says when it is ready, reloading and stopping: `SystemdNotifier`) restarted
/// on failure, reloaded with SIGHUP, reading the env file, with the file system read-only but for
/// the store and the agents' workspaces.
struct SystemdUnit {
    /// Absolute path of the acpd executable.
    var executable: String
    /// Absolute path of the config file.
    var configPath: String
    /// The env file (`EnvironmentFile=-…`, optional).
    var envFile: String
    /// Writable paths: the state dir, the workspace roots (or each agent's cwd when there are none).
    var writablePaths: [String]
    /// `User=` of a system unit; nil for a user unit (or root).
    var user: String?
    /// A user unit (`systemctl --user`): `WantedBy=default.target`.
    var userUnit: Bool

    /// The writable paths of `config`, without duplicates, in order.
    static func writablePaths(_ config: ACPDConfig) -> [String] {
        let roots = config.acp.workspaceRoots.isEmpty ? config.agents.keys.sorted().compactMap { config.agents[$0]?.cwd } : config.acp.workspaceRoots
        var seen = Set<String>()
        return ([config.stateDir] + roots).filter { seen.insert($0).inserted }
    }

    /// A path as one systemd word (quoted when it has spaces or quotes).
    private static func word(_ path: String) -> String {
        guard path.contains(where: { $0 == " " || $0 == "\"" || $0 == "\\" || $0 == "'" }) else { return path }
        return "\"" + path.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }

    /// The unit file's text.
    var text: String {
        var lines = [
            "# acpd as a systemd service, written by `acpd service install\(userUnit ? " --user" : "")`.",
            "# systemctl\(userUnit ? " --user" : "") daemon-reload && systemctl\(userUnit ? " --user" : "") enable --now acpd",
            "[Unit]",
            "Description=acpd: ACP coding agents driven from chat",
            "After=network-online.target",
            "Wants=network-online.target",
            "",
            "[Service]",
            "Type=notify",
            "ExecStart=\(Self.word(executable)) run --config \(Self.word(configPath))",
            "ExecReload=/bin/kill -HUP $MAINPID",
            "Restart=on-failure",
            "RestartSec=5",
            "EnvironmentFile=-\(Self.word(envFile))",
            "WorkingDirectory=\(Self.word(PathRules.directory(of: configPath)))",
        ]
        if let user { lines.append("User=\(user)") }
        lines += [
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "# The store and the agents' workspaces; add the directories your agents keep state in",
            "# (e.g. ~/.claude, ~/.codex) when they must write there.",
        ]
        lines += writablePaths.map { "ReadWritePaths=-\(Self.word($0))" }
        lines += [
            "",
            "[Install]",
            "WantedBy=\(userUnit ? "default.target" : "multi-user.target")",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
