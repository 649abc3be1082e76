import Foundation
import TelegramFake
import Testing
import TestSupport

/// `acpd run` against the fake Bot API: what a user sees while a run is live (typing) and how
/// the account's state is reported.
@Suite("telegram live end to end")
struct TelegramLiveE2ETests {
    @Test("a run that takes a while shows typing in its topic until it ends, and nowhere else")
    func typingWhileRunning() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: TelegramE2ETests.token) { fake in
                let forum = TelegramE2ETests.forum
                await fake.state.addForum(forum, topics: [42, 43])
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token",
                                                           config: TelegramE2ETests.config(apiRoot: fake.apiRoot))
                await fake.state.enqueueText("slow [chunks=3] [delay=1500]", chat: forum, from: 111, topic: 42)
                try await withDeadline(30, "the answer in topic 42\n\(daemon.log)") {
                    while await !fake.state.messages(chat: forum, thread: 42).contains(where: { $0.text.contains("echo: slow") && $0.editCount > 0 }) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                // Wait for the run to end (its session is idle again).
                try await withDeadline(30, "the run ends") {
                    while true {
                        let (_, listed) = try await daemon.json("GET", "/v1/sessions")
                        let sessions = (listed["sessions"] as? [[String: Any]]) ?? []
                        if !sessions.isEmpty, sessions.allSatisfy({ $0["state"] as? String == "idle" }) { return }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                try await Task.sleep(for: .seconds(1))
                let actions = await fake.state.chatActions
                #expect(!actions.isEmpty, "no typing while the run was live\n\(daemon.log)")
                #expect(actions.allSatisfy { $0.chat == forum && $0.thread == 42 && $0.action == "typing" }, "\(actions)")
                // Once the run ended, typing stops.
                let settled = actions.count
                try await Task.sleep(for: .seconds(5))
                #expect(await fake.state.chatActions.count == settled)
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    /// The states `/readyz`, `GET /v1/channels`, `acpd channels` and `acpd status` report.
    func states(_ daemon: DaemonProcess) async throws -> [String: String] {
        let (_, ready) = try await daemon.json("GET", "/readyz")
        return (ready["channels"] as? [String: String]) ?? [:]
    }

    @Test("each account's state shows in /readyz, /v1/channels, acpd channels and acpd status; SIGHUP restarts exactly the changed accounts")
    func accountStateAndReload() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: TelegramE2ETests.token) { fake in
                await fake.state.addForum(TelegramE2ETests.forum, topics: [42])
                let config = TelegramE2ETests.config(apiRoot: fake.apiRoot)
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                try await withDeadline(20, "default runs, revoked failed\n\(daemon.log)") {
                    while try await states(daemon) != ["telegram:default": "running", "telegram:revoked": "failed", "telegram:off": "stopped"] {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let (_, listed) = try await daemon.json("GET", "/v1/channels")
                let accounts = (listed["channels"] as? [[String: Any]]) ?? []
                let revoked = accounts.first { $0["account"] as? String == "revoked" }
                #expect(revoked?["lastError"] as? String == "Telegram rejected the bot token", "\(listed)")
                #expect(accounts.first { $0["account"] as? String == "off" }?["lastError"] as? String == "disabled in config")
                #expect(!String(describing: listed).contains("REVOKED-token"))

                // The CLI asks the running daemon.
                let channels = try await CLI.run(["channels", "--config", "acpd.yaml"], in: dir)
                #expect(channels.status == 0, "\(channels.stdout)")
                #expect(channels.stdout.contains("telegram:default") && channels.stdout.contains("running"), "\(channels.stdout)")
                #expect(channels.stdout.contains("telegram:revoked") && channels.stdout.contains("Telegram rejected the bot token"))
                let status = try await CLI.run(["status", "--config", "acpd.yaml"], in: dir)
                #expect(status.stdout.contains("chat accounts: 3"), "\(status.stdout)")
                #expect(status.stdout.contains("telegram:default running since"), "\(status.stdout)")

                // SIGHUP: revoked gets the good token, default is disabled, off is unchanged.
                let getMeBefore = await fake.state.calls.filter { $0 == "getMe" }.count
                let reloaded = config
                    .replacingOccurrences(of: "654321:REVOKED-token", with: TelegramE2ETests.token)
                    .replacingOccurrences(of: "default: { botToken", with: "default: { enabled: false, botToken")
                #expect(reloaded != config)
                try reloaded.write(to: dir.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
                kill(daemon.process.processIdentifier, SIGHUP)
                try await withDeadline(20, "revoked runs, default stopped\n\(daemon.log)") {
                    while try await states(daemon) != ["telegram:default": "stopped", "telegram:revoked": "running", "telegram:off": "stopped"] {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                // Exactly one account asked getMe again (revoked's restart); off was not touched.
                #expect(await fake.state.calls.filter { $0 == "getMe" }.count == getMeBefore + 1)
                let log = daemon.log
                #expect(log.contains("telegram account settings changed: restarted"), "\(log)")
                #expect(log.contains("telegram account disabled: stopped"), "\(log)")
                #expect(log.components(separatedBy: "telegram account settings changed: restarted").count == 2, "one restart\n\(log)")

                // The restarted account polls: a new update is fetched and confirmed.
                let update = await fake.state.enqueueText("after reload", chat: TelegramE2ETests.forum, from: 111, topic: 42)
                try await withDeadline(30, "the update after the reload is confirmed\n\(daemon.log)") {
                    while await !fake.state.polledOffsets.contains(update + 1) { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(try await daemon.stop() == 0, "\(daemon.log)")

                // Without a daemon: the configured accounts, all stopped, and why.
                let offline = try await CLI.run(["channels", "--json", "--config", "acpd.yaml"], in: dir)
                #expect(offline.stdout.contains("\"daemon\" : false"), "\(offline.stdout)")
                #expect(offline.stdout.contains("acpd is not running"), "\(offline.stdout)")
            }
        }
    }

    @Test("a stranger's message in a bound topic becomes a pairing request; the Telegram owner is told in their private chat")
    func ownerNoticeInPrivateChat() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: TelegramE2ETests.token) { fake in
                let forum = TelegramE2ETests.forum
                await fake.state.addForum(forum, topics: [42])
                let config = TelegramE2ETests.config(apiRoot: fake.apiRoot)
                    .replacingOccurrences(of: "  owners: [\"telegram:111\"]", with: "  owners: [\"telegram:111\"]\n  unknownSenders: request_approval")
                // The owner started the bot once (Telegram lets a bot write only to users who did).
                await fake.state.addChat(111)
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                await fake.state.enqueueText("let me in", chat: forum, from: 555, topic: 42)
                try await withDeadline(30, "the owner's notice\n\(daemon.log)") {
                    while await fake.state.messages(chat: 111, thread: nil).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                }
                let notice = await fake.state.messages(chat: 111, thread: nil).map(\.text).joined(separator: "\n")
                #expect(notice.contains("telegram:555"), "\(notice)")
                #expect(notice.contains("/acp approve"), "\(notice)")
                // Nothing of it in the topic where the stranger wrote, and no run started.
                #expect(await !fake.state.messages(chat: forum, thread: 42).contains { $0.text.contains("approve") })
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                #expect(try daemon.runCount() == 0)
            }
        }
    }

    @Test("doctor reports what only the running daemon sees: a 409 Conflict fails the account with the fix, a rejected token fails it")
    func doctorAsksTheDaemon() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: TelegramE2ETests.token) { fake in
                await fake.state.addForum(TelegramE2ETests.forum, topics: [42])
                await fake.state.injectPollFailure(status: 409, description: "Conflict: terminated by other getUpdates request")
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token",
                                                           config: TelegramE2ETests.config(apiRoot: fake.apiRoot))
                try await withDeadline(20, "default backs off after the 409\n\(daemon.log)") {
                    while try await states(daemon)["telegram:default"] != "backoff" { try await Task.sleep(for: .milliseconds(50)) }
                }
                let (stdout, report) = try await TelegramDoctorTests.doctor(in: dir)
                let conflict = try #require(report.checks.first { $0.name == "telegram:default in the running daemon" }, "\(stdout)")
                #expect(conflict.status == "fail" && conflict.detail.contains("409"), "\(conflict)")
                #expect(conflict.hint.contains("deleteWebhook"), "\(conflict)")
                let revoked = try #require(report.checks.first { $0.name == "telegram:revoked in the running daemon" }, "\(stdout)")
                #expect(revoked.status == "fail", "\(revoked)")
                #expect(report.checks.first { $0.name == "telegram:off in the running daemon" }?.status == "pass")
                #expect(!stdout.contains(TelegramE2ETests.token))
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }
}
