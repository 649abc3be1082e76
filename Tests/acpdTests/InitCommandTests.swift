import Foundation
import Testing
import TestSupport

/// `acpd init`: each agent choice writes a commented config that `acpd config validate` accepts,
/// an existing file is kept without `--force`, and a command that does not resolve gets its
/// install hint.
@Suite("acpd init")
struct InitCommandTests {
    @Test("each --agent writes a commented config that validates, with the agent's command", arguments: [
        ("claude", "claude-code-acp"), ("codex", "codex-acp"), ("gemini", "--experimental-acp"), ("demo", "acpd-demo-agent"),
        ("my-agent --acp --verbose", "\"--verbose\""),
    ])
    func writesValidConfig(_ agent: String, _ expected: String) async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["init", "--agent", agent, "--config", "conf/acpd.yaml"], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
            let text = try String(contentsOf: dir.appendingPathComponent("conf/acpd.yaml"), encoding: .utf8)
            #expect(text.contains(expected), "\(text)")
            #expect(text.hasPrefix("# acpd config, written by `acpd init"), "\(text)")
            #expect(text.contains("stateDir: ./.acpd"))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("conf/workspace").path))
            #expect(run.stdout.contains("next:") && run.stdout.contains("acpd setup telegram --config"), "\(run.stdout)")
            let validate = try await CLI.run(["config", "validate", "--config", "conf/acpd.yaml"], in: dir)
            #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
            #expect(validate.stdout.contains("1 agent"), "\(validate.stdout)")
        }
    }

    @Test("the demo agent is the one beside acpd, and it resolves: doctor passes on the written config")
    func demoResolves() async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["init", "--agent", "demo"], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
            let text = try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8)
            #expect(text.contains(TestPaths.demoAgent), "\(text)")
            #expect(run.stdout.contains("agent command: \(TestPaths.demoAgent)"), "\(run.stdout)")
            #expect(!run.stdout.contains("warning"), "\(run.stdout)")
            let doctor = try await CLI.run(["doctor"], in: dir)
            #expect(doctor.status == 0, "\(doctor.stdout)")
        }
    }

    @Test("an existing file is kept without --force and replaced with it")
    func refusesWithoutForce() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("acpd.yaml")
            try "# mine\nagents: {}\n".write(to: file, atomically: true, encoding: .utf8)
            let refused = try await CLI.run(["init", "--agent", "codex"], in: dir)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("--force"), "\(refused.stderr)")
            #expect(try String(contentsOf: file, encoding: .utf8) == "# mine\nagents: {}\n")
            let forced = try await CLI.run(["init", "--agent", "codex", "--force"], in: dir)
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(try String(contentsOf: file, encoding: .utf8).contains("codex-acp"))
        }
    }

    @Test("a command that is not on PATH gets the install hint; one that is does not", arguments: [
        ("claude", "npm install -g @zed-industries/claude-code-acp"),
        ("gemini", "npm install -g @google/gemini-cli"),
        ("no-such-agent-xyz --acp", "put its absolute path into agents.no-such-agent-xyz.command"),
    ])
    func installHint(_ agent: String, _ hint: String) async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["init", "--agent", agent], in: dir, environment: ["PATH": "/nonexistent"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("is not on PATH yet") && run.stdout.contains(hint), "\(run.stdout)")
            // Put a fake executable of that name on PATH: no warning.
            let bin = dir.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            let name = String(try #require(try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                .components(separatedBy: "command: [\"").dropFirst().first?.prefix { $0 != "\"" }))
            let executable = bin.appendingPathComponent(name)
            try "#!/bin/sh\n".write(to: executable, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: executable.path)
            let again = try await CLI.run(["init", "--agent", agent, "--force"], in: dir, environment: ["PATH": bin.path])
            #expect(again.stdout.contains("agent command: \(executable.path)") && !again.stdout.contains(hint), "\(again.stdout)")
        }
    }

    @Test("scripts/install --bin-dir installs acpd and acpd-demo-agent; there, init --agent demo names the installed demo agent")
    func installScript() async throws {
        try await withTemporaryDirectory { dir in
            let prefix = dir.appendingPathComponent("prefix")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [TestPaths.repoRoot.appendingPathComponent("scripts/install").path,
                                 "--bin-dir", TestPaths.productsDir.path, "--prefix", prefix.path]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let printed = String(decoding: await CLI.readToEnd(out, thenWaitFor: process), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(printed)")
            #expect(printed.contains("installed \(prefix.path)/bin/acpd"), "\(printed)")
            let installed = prefix.appendingPathComponent("bin/acpd-demo-agent").path
            #expect(FileManager.default.isExecutableFile(atPath: installed))
            let run = Process()
            run.executableURL = prefix.appendingPathComponent("bin/acpd")
            run.arguments = ["init", "--agent", "demo"]
            run.currentDirectoryURL = dir
            run.standardOutput = FileHandle.nullDevice
            try run.run()
            run.waitUntilExit()
            #expect(run.terminationStatus == 0)
            #expect(try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8).contains("command: [\"\(installed)\", \"--modes\"]"))
        }
    }
}
