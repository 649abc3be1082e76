import Foundation
import Testing
import TestSupport

/// `acpd prompt`, the README's first command, run as a user runs it: the built binary, the
/// embedded defaults (no config file), the bundled demo agent as a real subprocess.
@Suite("acpd prompt (embedded defaults, demo agent)")
struct PromptCommandTests {
    @Test("a prompt streams through the stdio backend and the turn ends with end_turn")
    func streamsAnswer() async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["prompt", "--show-thoughts", "hello acpd [thought] [plan] [tool] [chunks=4]"], in: dir)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("echo: hello acpd [thought] [plan] [tool] [chunks=4]"))
            #expect(run.stdout.contains("[plan]"))
            #expect(run.stdout.contains("[tool] Read README.md (completed)"))
            #expect(run.stdout.hasSuffix("[done: end_turn]\n"))
            // The embedded defaults put the demo agent's sessions in ./workspace.
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("workspace").path))
        }
    }

    @Test("permission requests are answered by --permissions", arguments: [("allow", "allow-once"), ("reject", "reject-once")])
    func permissions(_ mode: String, _ option: String) async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["prompt", "--permissions", mode, "[permission] please"], in: dir)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("[permission] Run"))
            #expect(run.stdout.contains("permission: selected \(option)"))
        }
    }

    @Test("a failing turn prints the contract's error form and exits 1")
    func failedTurn() async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["prompt", "[fail]"], in: dir)
            #expect(run.status == 1)
            #expect(run.stdout.contains("ERROR: ACP_TURN_FAILED: "))
            #expect(run.stdout.contains("next: "))
        }
    }

    @Test("an undeclared agent is refused before anything starts")
    func unknownAgent() async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["prompt", "--agent", "nope", "hi"], in: dir)
            #expect(run.status != 0)
            #expect(run.stderr.contains("agent \"nope\" is not declared"))
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("workspace").path))
        }
    }

    @Test("a config file's agent, env and passthrough are used; acpd's other variables do not reach it")
    func configFileAgent() async throws {
        try await withTemporaryDirectory { dir in
            let config = """
            acp:
              defaultAgent: echo
              env: { passthrough: [PATH] }
            agents:
              echo:
                command: ["\(TestPaths.demoAgent)"]
                cwd: ./work
                env: { DEMO_GREETING: "hi" }
            """
            try config.write(to: dir.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
            let run = try await CLI.run(["prompt", "[env]"], in: dir, environment: ["ACPD_TEST_SECRET_TOKEN": "s3cr3t"])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("DEMO_GREETING"))
            #expect(run.stdout.contains("PATH"))
            #expect(!run.stdout.contains("ACPD_TEST_SECRET_TOKEN"))
            #expect(!run.stdout.contains("HOME"))
        }
    }

    @Test("an invalid config file is reported with its path and nothing runs")
    func invalidConfig() async throws {
        try await withTemporaryDirectory { dir in
            try "agents:\n  demo:\n    comand: [x]\n".write(to: dir.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
            let run = try await CLI.run(["prompt", "hi"], in: dir)
            #expect(run.status == 1)
            #expect(run.stderr.contains("agents.demo.comand"))
        }
    }
}
