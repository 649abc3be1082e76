import Foundation
import Testing
import TestSupport

/// `acpd doctor` run as users run it: the built binary, real agents as subprocesses, a real
/// (fake-API) HTTP server on 127.0.0.1 and real store files.
@Suite("acpd doctor")
struct DoctorCommandTests {
    struct Check: Decodable {
        let name: String
        let status: String
        let detail: String
        let hint: String
    }

    struct Report: Decodable {
        let checks: [Check]
        let ok: Bool
    }

    /// Runs `acpd doctor --json` and decodes its report.
    static func doctorJSON(_ extra: [String], in dir: URL, environment: [String: String] = [:]) async throws -> (CLIRun, Report) {
        let run = try await CLI.run(["doctor", "--json"] + extra, in: dir, environment: environment)
        let report = try JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8))
        return (run, report)
    }

    static func write(_ yaml: String, to dir: URL) throws {
        try yaml.write(to: dir.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
    }

    @Test("the embedded defaults with the demo agent pass; the store is not created")
    func embeddedDefaults() async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["doctor"], in: dir)
            #expect(run.status == 0, "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(run.stdout.contains("✓ config: embedded defaults"))
            #expect(run.stdout.contains("✓ agent demo command:"))
            #expect(run.stdout.contains("✓ agent demo initialize: acpd-demo-agent"))
            #expect(run.stdout.contains("protocol v1"))
            #expect(run.stdout.contains("- store: no store at"))
            #expect(run.stdout.contains("OK: "))
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".acpd").path))
        }
    }

    @Test("--smoke runs one prompt to its end; --json parses")
    func smokeJSON() async throws {
        try await withTemporaryDirectory { dir in
            let (run, report) = try await Self.doctorJSON(["--smoke"], in: dir)
            #expect(run.status == 0, "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(report.ok)
            let smoke = try #require(report.checks.first { $0.name == "agent demo smoke prompt" })
            #expect(smoke.status == "pass")
            #expect(smoke.detail.contains("end_turn"))
            #expect(Set(report.checks.map(\.status)).isSubset(of: ["pass", "warn", "fail", "skip"]))
        }
    }

    @Test("an agent command that does not resolve fails and doctor exits 1")
    func missingCommand() async throws {
        try await withTemporaryDirectory { dir in
            try Self.write("""
            stateDir: ./state
            agents:
              ghost:
                command: [acpd-no-such-agent-7f3a]
                cwd: ./ws
            """, to: dir)
            let (run, report) = try await Self.doctorJSON([], in: dir)
            #expect(run.status == 1)
            #expect(!report.ok)
            let command = try #require(report.checks.first { $0.name == "agent ghost command" })
            #expect(command.status == "fail")
            #expect(command.detail.contains("not found on the agent's PATH"))
            #expect(!command.hint.isEmpty)
            #expect(report.checks.first { $0.name == "agent ghost initialize" }?.status == "skip")
        }
    }

    @Test("an agent that needs auth and has no authMethod fails with the login hint")
    func needsAuth() async throws {
        try await withTemporaryDirectory { dir in
            try Self.write("""
            agents:
              locked:
                command: [\(TestPaths.demoAgent), --require-auth]
                cwd: ./ws
            """, to: dir)
            let (run, report) = try await Self.doctorJSON([], in: dir)
            #expect(run.status == 1)
            let initialize = try #require(report.checks.first { $0.name == "agent locked initialize" })
            #expect(initialize.status == "fail")
            #expect(initialize.detail.contains("agent needs login"))
            #expect(initialize.hint.contains("log in to the agent"))
        }
    }

    @Test("an invalid config fails with every error listed, and the rest is skipped")
    func invalidConfig() async throws {
        try await withTemporaryDirectory { dir in
            try Self.write("""
            stateDirr: ./state
            agents:
              demo:
                command: [x]
                colour: blue
            """, to: dir)
            let (run, report) = try await Self.doctorJSON([], in: dir)
            #expect(run.status == 1)
            let config = try #require(report.checks.first)
            #expect(config.name == "config" && config.status == "fail")
            #expect(config.detail.contains("stateDirr"))
            #expect(config.detail.contains("colour"))
            #expect(report.checks.dropFirst().allSatisfy { $0.status == "skip" })
        }
    }

    @Test("chat tokens: 200 passes, 401 fails, an unreachable API fails with why, and no token is ever printed")
    func chatTokens() async throws {
        let good = "111:good-token-abc"
        let bad = "222:bad-token-xyz"
        let api = try FakeChatAPI(goodToken: good)
        defer { api.stop() }
        try await withTemporaryDirectory { dir in
            try Self.write("""
            agents:
              demo:
                command: [\(TestPaths.demoAgent)]
                cwd: ./ws
            channels:
              telegram:
                accounts:
                  good: { botToken: "\(good)", apiRoot: "\(api.baseURL)" }
                  bad: { botToken: "\(bad)", apiRoot: "\(api.baseURL)" }
              discord:
                accounts:
                  good: { botToken: "\(good)", apiBase: "\(api.baseURL)" }
                  bad: { botToken: "\(bad)", apiBase: "\(api.baseURL)" }
                  gone: { botToken: "\(bad)", apiBase: "http://127.0.0.1:\(try DaemonProcess.freePort())" }
            """, to: dir)
            let noProxy = ["http_proxy": "", "HTTP_PROXY": "", "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"]
            let (run, report) = try await Self.doctorJSON([], in: dir, environment: noProxy)
            #expect(run.status == 1)
            let status = { (name: String) in report.checks.first { $0.name == name }?.status }
            #expect(status("telegram account good") == "pass")
            #expect(status("telegram account bad") == "fail")
            #expect(status("discord account good") == "pass")
            #expect(status("discord account bad") == "fail")
            #expect(report.checks.first { $0.name == "telegram account good" }?.detail.contains("@fake_bot") == true)
            let gone = report.checks.first { $0.name == "discord account gone" }
            #expect(gone?.status == "fail")
            #expect(gone?.detail.hasSuffix(": connection refused") == true, "\(String(describing: gone))")
            for secret in [good, bad, "good-token-abc", "bad-token-xyz"] {
                #expect(!run.stdout.contains(secret))
                #expect(!run.stderr.contains(secret))
            }
            #expect(api.requestedPaths.contains("/users/@me"))
        }
    }

    @Test("a corrupted store fails and the file is left exactly as it was")
    func corruptedStore() async throws {
        try await withTemporaryDirectory { dir in
            try Self.write("""
            stateDir: ./state
            agents:
              demo:
                command: [\(TestPaths.demoAgent)]
                cwd: ./ws
            """, to: dir)
            let stateDir = dir.appendingPathComponent("state")
            try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true)
            let file = stateDir.appendingPathComponent("acpd.sqlite")
            let garbage = Data(String(repeating: "not an sqlite database. ", count: 400).utf8)
            try garbage.write(to: file)
            let (run, report) = try await Self.doctorJSON([], in: dir)
            #expect(run.status == 1)
            let store = try #require(report.checks.first { $0.name == "store" })
            #expect(store.status == "fail")
            #expect(!store.hint.isEmpty)
            #expect(try Data(contentsOf: file) == garbage)
            let left = try FileManager.default.contentsOfDirectory(atPath: stateDir.path)
            #expect(left == ["acpd.sqlite"])
        }
    }

    @Test("open files: a low hard nofile limit for acp.maxConcurrentSessions and api.maxConnections warns (8 descriptors per agent), a high one passes")
    func openFileLimit() async throws {
        try await withTemporaryDirectory { dir in
            try Self.write("""
            acp: { defaultAgent: demo, maxConcurrentSessions: 40 }
            agents:
              demo: { command: ["\(TestPaths.demoAgent)"] }
            api: { maxConnections: 100 }
            """, to: dir)
            // 64 + 100 + 40 × 8 = 484 descriptors.
            let low = try await CLI.run(["doctor", "--json"], in: dir, shell: "ulimit -n 256")
            let lowReport = try JSONDecoder().decode(Report.self, from: Data(low.stdout.utf8))
            let warned = try #require(lowReport.checks.first { $0.name == "open files" }, "\(low.stdout)")
            #expect(warned.status == "warn", "\(warned)")
            #expect(warned.detail.contains("nofile 256") && warned.detail.contains("= 484"), "\(warned.detail)")
            #expect(warned.detail.contains("3 pipes = 6 descriptors per agent"), "\(warned.detail)")
            #expect(warned.hint.contains("LimitNOFILE"), "\(warned.hint)")
            #expect(low.status == 0, "a warning does not fail doctor: \(low.stdout)")

            let high = try await CLI.run(["doctor", "--json"], in: dir, shell: "ulimit -n 4096")
            let highReport = try JSONDecoder().decode(Report.self, from: Data(high.stdout.utf8))
            let passed = try #require(highReport.checks.first { $0.name == "open files" }, "\(high.stdout)")
            #expect(passed.status == "pass", "\(passed)")
        }
    }
}
