import Foundation
import TelegramFake
import Testing
import TestSupport

/// `acpd doctor` against the fake Bot API: a webhook on the token fails the account (polling
/// could never work), privacy mode warns.
@Suite("telegram doctor", .serialized)
struct TelegramDoctorTests {
    /// Runs `acpd doctor --json` in `dir` without blocking a thread of the Swift concurrency pool
    /// (the fake Bot API serves from that pool; `CLI.run` blocks one while it waits).
    static func doctor(in dir: URL) async throws -> (stdout: String, report: DoctorCommandTests.Report) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.product("acpd"))
        process.arguments = ["doctor", "--json"]
        process.currentDirectoryURL = dir
        var environment = ProcessInfo.processInfo.environment
        environment["ACPD_CONFIG"] = nil
        for (key, value) in ["http_proxy": "", "HTTP_PROXY": "", "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"] { environment[key] = value }
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let data: Data = try await withCheckedThrowingContinuation { continuation in
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            Thread {
                let data = out.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: data)
            }.start()
        }
        return (String(decoding: data, as: UTF8.self), try JSONDecoder().decode(DoctorCommandTests.Report.self, from: data))
    }

    @Test("doctor fails an account with a webhook set and warns about privacy mode", arguments: [
        ("https://example.org/hook", true, "fail", "webhook"),
        ("", false, "warn", "privacy mode"),
        ("", true, "pass", "@fake_bot"),
    ])
    func webhookAndPrivacy(_ webhook: String, _ readsAll: Bool, _ expected: String, _ mentions: String) async throws {
        let token = "123456:DOCTOR-token"
        try await TelegramFakeServer.with(token: token) { fake in
            await fake.state.configure(webhookURL: webhook, readsAllGroupMessages: readsAll)
            try await withTemporaryDirectory { dir in
                try DoctorCommandTests.write("""
                agents:
                  demo:
                    command: [\(TestPaths.demoAgent)]
                    cwd: ./ws
                channels:
                  telegram:
                    accounts:
                      default: { botToken: "\(token)", apiRoot: "\(fake.apiRoot)" }
                """, to: dir)
                let (stdout, report) = try await Self.doctor(in: dir)
                let check = try #require(report.checks.first { $0.name == "telegram account default" }, "\(stdout)")
                #expect(check.status == expected, "\(check)")
                #expect(check.detail.contains(mentions), "\(check)")
                #expect(!stdout.contains(token) && !stdout.contains("DOCTOR-token"))
            }
        }
    }
}
