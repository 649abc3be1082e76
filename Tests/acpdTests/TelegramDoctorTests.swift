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

    /// How the bot stands in the bound forum for one case of `chatChecks`.
    enum ForumSetup: String, CaseIterable, Sendable {
        /// An admin with `can_manage_topics`: pass.
        case adminWithTopics
        /// `denyTopicRights`: an admin without `can_manage_topics`: warn naming the right.
        case noTopicRight
        /// A plain member while privacy mode is on: warn (no topic right, and plain messages unseen).
        case memberWithPrivacy
        /// Not a chat the fake knows: fail with the fix.
        case unknownChat
        /// The bot was removed: 403, fail with the fix.
        case kicked
    }

    @Test("doctor checks each bound chat: getChat reachable, and in a forum the bot's can_manage_topics right and whether it reads messages",
          arguments: ForumSetup.allCases)
    func chatChecks(_ setup: ForumSetup) async throws {
        let token = "123456:DOCTOR-token"
        let forum: Int64 = -1_001_234_567_890
        let group: Int64 = -2_002
        try await TelegramFakeServer.with(token: token) { fake in
            switch setup {
            case .adminWithTopics: await fake.state.addForum(forum, topics: [42])
            case .noTopicRight:
                await fake.state.addForum(forum, topics: [42])
                await fake.state.denyTopicRights(in: forum)
            case .memberWithPrivacy:
                await fake.state.addForum(forum, topics: [42])
                await fake.state.setMembership(.member, in: forum)
                await fake.state.configure(readsAllGroupMessages: false)
            case .unknownChat: break
            case .kicked:
                await fake.state.addForum(forum, topics: [42])
                await fake.state.setMembership(.kicked, in: forum)
            }
            // A plain group the bot is in: reachable, no topic checks.
            await fake.state.addChat(group)
            try await withTemporaryDirectory { dir in
                try DoctorCommandTests.write("""
                agents:
                  demo:
                    command: [\(TestPaths.demoAgent)]
                    cwd: ./ws
                bindings:
                  - type: acp
                    agentId: demo
                    match: { channel: telegram, peer: { kind: group, id: "\(forum):topic:42" } }
                  - type: acp
                    agentId: demo
                    match: { channel: telegram, peer: { kind: group, id: "\(group)" } }
                channels:
                  telegram:
                    accounts:
                      default: { botToken: "\(token)", apiRoot: "\(fake.apiRoot)" }
                """, to: dir)
                let (stdout, report) = try await Self.doctor(in: dir)
                let check = try #require(report.checks.first { $0.name == "telegram chat \(forum) (account default)" }, "\(stdout)")
                let groupCheck = try #require(report.checks.first { $0.name == "telegram chat \(group) (account default)" }, "\(stdout)")
                #expect(groupCheck.status == "pass", "\(groupCheck)")
                #expect(!stdout.contains(token) && !stdout.contains("DOCTOR-token"))
                switch setup {
                case .adminWithTopics:
                    #expect(check.status == "pass" && check.detail.contains("forum") && check.detail.contains("can_manage_topics"), "\(check)")
                    #expect(report.ok, "\(stdout)")
                case .noTopicRight:
                    #expect(check.status == "warn", "\(check)")
                    #expect(check.detail.contains("can_manage_topics") && check.detail.contains("--thread auto"), "\(check)")
                    #expect(check.hint.contains("can_manage_topics"), "\(check)")
                    #expect(!check.detail.contains("privacy"), "\(check)")
                    #expect(report.ok, "a warning does not fail doctor: \(stdout)")
                case .memberWithPrivacy:
                    #expect(check.status == "warn", "\(check)")
                    #expect(check.detail.contains("can_manage_topics") && check.detail.contains("cannot read plain messages"), "\(check)")
                case .unknownChat, .kicked:
                    #expect(check.status == "fail", "\(check)")
                    #expect(check.detail.contains(setup == .kicked ? "403" : "chat not found"), "\(check)")
                    #expect(check.hint.contains("add @fake_bot to chat \(forum)"), "\(check)")
                    #expect(!report.ok, "\(stdout)")
                }
            }
        }
    }
}
