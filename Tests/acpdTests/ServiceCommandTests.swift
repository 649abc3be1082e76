import Foundation
import Testing
import TestSupport

/// `acpd service install|uninstall`: the unit runs `acpd run` with the config, restarts on
/// failure, reloads with SIGHUP, reads the env file and is hardened with the store and workspaces
/// writable; `systemd-analyze verify` accepts it when that tool is present.
@Suite("acpd service")
struct ServiceCommandTests {
    /// `systemd-analyze`, when installed.
    static let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `systemd-analyze verify` on `unit`: exit status and what it printed.
    static func verify(_ unit: URL) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(analyze))
        process.arguments = ["verify", unit.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = await CLI.readToEnd(pipe, thenWaitFor: process)
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("install writes the unit (system and --user), refuses to overwrite without --force; uninstall removes only its own unit",
          arguments: [false, true])
    func installAndUninstall(user: Bool) async throws {
        try await withTemporaryDirectory { dir in
            _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
            let root = dir.resolvingSymlinksInPath().path
            // A workspace root: it is writable instead of each agent's cwd.
            var config = try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8)
            config = config.replacingOccurrences(of: "  defaultAgent: demo\n", with: "  defaultAgent: demo\n  workspaceRoots: [\(root)]\n")
            try config.write(to: dir.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)

            let unitURL = dir.appendingPathComponent("units/acpd.service")
            let args = ["service", "install", "--unit-path", "units/acpd.service"] + (user ? ["--user"] : [])
            let run = try await CLI.run(args, in: dir, environment: ["USER": "alice", "SUDO_USER": ""])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains(user ? "systemctl --user daemon-reload" : "sudo systemctl daemon-reload"), "\(run.stdout)")
            let unit = try String(contentsOf: unitURL, encoding: .utf8)
            for line in ["Type=notify", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID", "NoNewPrivileges=yes", "ProtectSystem=strict",
                         "ExecStart=\(TestPaths.product("acpd")) run --config \(root)/acpd.yaml",
                         "EnvironmentFile=-\(root)/acpd.env", "ReadWritePaths=-\(root)/.acpd", "ReadWritePaths=-\(root)\n",
                         user ? "WantedBy=default.target" : "WantedBy=multi-user.target"] {
                #expect(unit.contains(line), "missing \(line): \(unit)")
            }
            #expect(unit.contains("User=alice") == !user, "\(unit)")
            if Self.analyze != nil {
                let (status, output) = try await Self.verify(unitURL)
                #expect(status == 0 && output.isEmpty, "systemd-analyze verify: \(output)")
            } else {
                print("skipped systemd-analyze verify: systemd-analyze is not installed")
            }

            let again = try await CLI.run(args, in: dir)
            #expect(again.status == 1 && again.stderr.contains("--force"), "\(again.stderr)")
            let forced = try await CLI.run(args + ["--force"], in: dir)
            #expect(forced.status == 0, "\(forced.stderr)")

            let removeArgs = ["service", "uninstall", "--unit-path", "units/acpd.service"] + (user ? ["--user"] : [])
            let removed = try await CLI.run(removeArgs, in: dir)
            #expect(removed.status == 0 && !FileManager.default.fileExists(atPath: unitURL.path), "\(removed.stderr)")
            try "[Unit]\nDescription=someone else's\n".write(to: unitURL, atomically: true, encoding: .utf8)
            let foreign = try await CLI.run(removeArgs, in: dir)
            #expect(foreign.status == 1 && FileManager.default.fileExists(atPath: unitURL.path), "\(foreign.stderr)")
        }
    }
}
