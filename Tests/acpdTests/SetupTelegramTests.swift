import Foundation
import JSONKit
import TelegramFake
import Testing
import TestSupport

/// `acpd setup telegram` against the fake Bot API, non-interactively: the next message (in a
/// forum topic) is discovered and bound, the config keeps its comments and validates, the token
/// lands only in the 0600 env file, and the updates it did not consume stay unconfirmed.
@Suite("acpd setup telegram", .serialized)
struct SetupTelegramTests {
    static let token = "123456:SETUP-secret-token"
    static let forum: Int64 = -1_001_234_567_890

    /// Waits until the wizard has polled `count` times (its backlog poll, then its long poll).
    static func waitForPolls(_ fake: TelegramFakeServer, _ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while await fake.state.polledOffsets.count < count {
            guard ContinuousClock.now < deadline else { Issue.record("the wizard never polled"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("a message in a forum topic is discovered and bound with its sender as owner; comments kept, token only in acpd.env (0600)",
          arguments: [false, true])
    func bindsForumTopic(withBacklog: Bool) async throws {
        try await TelegramFakeServer.with(token: Self.token) { fake in
            await fake.state.addForum(Self.forum, topics: [42, 43])
            try await withTemporaryDirectory { dir in
                let initRun = try await CLI.run(["init", "--agent", "demo"], in: dir)
                #expect(initRun.status == 0, "\(initRun.stderr)")
                let configURL = dir.appendingPathComponent("acpd.yaml")
                let original = try String(contentsOf: configURL, encoding: .utf8)
                // A message sent before setup started is not "the next message": it stays for the daemon.
                let old: Int64? = withBacklog ? await fake.state.enqueueText("old", chat: Self.forum, from: 555, topic: 43) : nil

                let wizard = try SetupProcess(["setup", "telegram", "--token", Self.token, "--api-root", fake.apiRoot,
                                               "--bind-next", "--agent", "demo", "--owner-from-sender", "--yes", "--timeout", "30"], in: dir)
                try await Self.waitForPolls(fake, 2)
                let id = await fake.state.enqueueText("bind me", chat: Self.forum, from: 777, topic: 42)
                let run = try await wizard.wait()
                #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                #expect(run.stdout.contains("forum") && run.stdout.contains("topic: (id 42)") && run.stdout.contains("(id 777)"), "\(run.stdout)")
                #expect(!run.stdout.contains(Self.token) && !run.stderr.contains(Self.token))

                let text = try String(contentsOf: configURL, encoding: .utf8)
                // Every comment is still there, at its column (the owners line was edited around its comment).
                let comments = { (text: String) in
                    text.split(separator: "\n").compactMap { line in line.firstIndex(of: "#").map { "\(line.distance(from: line.startIndex, to: $0)) \(line[$0...])" } }
                }
                #expect(Set(comments(original)).isSubset(of: Set(comments(text))), "\(text)")
                #expect(text.contains("    command: [\"\(TestPaths.demoAgent)\"]"), "\(text)")
                #expect(text.contains("id: \"\(Self.forum):topic:42\""), "\(text)")
                #expect(text.contains("owners: [\"telegram:777\"]"), "\(text)")
                #expect(text.contains("botToken: \"${TELEGRAM_BOT_TOKEN}\""), "\(text)")
                #expect(!text.contains(Self.token) && !text.contains("SETUP-secret"), "\(text)")

                let envPath = dir.appendingPathComponent("acpd.env").path
                let env = try String(contentsOfFile: envPath, encoding: .utf8)
                #expect(env.contains("TELEGRAM_BOT_TOKEN=\(Self.token)\n"), "\(env)")
                let mode = try FileManager.default.attributesOfItem(atPath: envPath)[.posixPermissions] as? Int
                #expect(mode == 0o600)

                let validate = try await CLI.run(["config", "validate"], in: dir, environment: ["TELEGRAM_BOT_TOKEN": Self.token])
                #expect(validate.status == 0 && validate.stdout.contains("1 binding: 1 acp"), "\(validate.stdout)\(validate.stderr)")

                // Polls never confirmed anything but the consumed message, and only when nothing older waited.
                let offsets = await fake.state.polledOffsets
                #expect(offsets.dropLast().allSatisfy { $0 == nil }, "\(offsets)")
                let confirmed = await fake.state.confirmedBelow
                if let old {
                    #expect(confirmed <= old, "the backlog was confirmed: \(confirmed)")
                    #expect(run.stdout.contains("left unread"), "\(run.stdout)")
                } else {
                    #expect(confirmed == id + 1)
                    #expect(run.stdout.contains("marked read"), "\(run.stdout)")
                }
            }
        }
    }

    @Test("a second run adds a route binding to the same file and keeps the account; a private chat binds as direct")
    func secondBindingAndRoute() async throws {
        try await TelegramFakeServer.with(token: Self.token) { fake in
            await fake.state.addForum(Self.forum, topics: [42])
            try await withTemporaryDirectory { dir in
                _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
                for (chat, topic, args) in [(Self.forum, Int64?(42), ["--owner-from-sender"]), (Int64(4242), nil, ["--route"])] {
                    let before = await fake.state.polledOffsets.count
                    let wizard = try SetupProcess(["setup", "telegram", "--api-root", fake.apiRoot, "--bind-next", "--yes", "--timeout", "30"] + args,
                                                  in: dir, environment: ["TELEGRAM_BOT_TOKEN": Self.token])
                    try await Self.waitForPolls(fake, before + 2)
                    await fake.state.enqueueText("here", chat: chat, from: 777, topic: topic)
                    let run = try await wizard.wait()
                    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                }
                let text = try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                #expect(text.components(separatedBy: "botToken:").count == 2, "one account: \(text)")
                #expect(text.contains("- type: route") && text.contains("peer: { kind: direct, id: \"4242\" }"), "\(text)")
                let validate = try await CLI.run(["config", "validate"], in: dir, environment: ["TELEGRAM_BOT_TOKEN": Self.token])
                #expect(validate.stdout.contains("2 bindings: 1 acp, 1 route"), "\(validate.stdout)\(validate.stderr)")
            }
        }
    }

    @Test("refusals: a rejected token, another poller (409), no message in time, no config; nothing is written")
    func refusals() async throws {
        try await TelegramFakeServer.with(token: Self.token) { fake in
            try await withTemporaryDirectory { dir in
                let none = try SetupProcess(["setup", "telegram", "--token", Self.token, "--api-root", fake.apiRoot], in: dir)
                let noConfig = try await none.wait()
                #expect(noConfig.status == 1 && noConfig.stderr.contains("acpd init"), "\(noConfig.stderr)")

                _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
                let original = try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                let base = ["setup", "telegram", "--api-root", fake.apiRoot, "--bind-next", "--yes"]
                let bad = try await SetupProcess(base + ["--token", "999:wrong"], in: dir).wait()
                #expect(bad.status == 1 && bad.stderr.contains("rejected the token"), "\(bad.stderr)")

                await fake.state.injectPollFailure(status: 409, description: "Conflict: terminated by other getUpdates request")
                let conflict = try await SetupProcess(base + ["--token", Self.token], in: dir).wait()
                #expect(conflict.status == 1 && conflict.stderr.contains("409") && conflict.stderr.contains("acpd run"), "\(conflict.stderr)")

                let quiet = try await SetupProcess(base + ["--token", Self.token, "--timeout", "1"], in: dir).wait()
                #expect(quiet.status == 1 && quiet.stderr.contains("no message reached the bot"), "\(quiet.stderr)")

                #expect(try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8) == original)
                #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("acpd.env").path))
            }
        }
    }

    @Test("--inline-token, and only then, writes the token into the config, which becomes mode 0600; no env file; it loads without the variable")
    func inlineTokenWhenAsked() async throws {
        try await TelegramFakeServer.with(token: Self.token) { fake in
            try await withTemporaryDirectory { dir in
                _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
                let config = dir.appendingPathComponent("acpd.yaml")
                let run = try await SetupProcess(["setup", "telegram", "--token", Self.token, "--api-root", fake.apiRoot,
                                                  "--inline-token", "--yes"], in: dir).wait()
                #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                #expect(run.stdout.contains("token inline (mode 0600)"), "\(run.stdout)")
                let text = try String(contentsOf: config, encoding: .utf8)
                #expect(text.contains("botToken: \"\(Self.token)\"") && !text.contains("${TELEGRAM_BOT_TOKEN}"), "\(text)")
                #expect(try FileManager.default.attributesOfItem(atPath: config.path)[.posixPermissions] as? Int == 0o600)
                #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("acpd.env").path))
                let validate = try await CLI.run(["config", "validate"], in: dir)
                #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
            }
        }
    }

    @Test("a running acpd polling the account makes setup refuse (two pollers of one bot get 409)")
    func refusesWhileDaemonRuns() async throws {
        try await TelegramFakeServer.with(token: Self.token) { fake in
            try await withTemporaryDirectory { dir in
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: """
                    acp:
                      defaultAgent: demo
                    \(E2EConfig.demoAgent)
                    channels:
                      telegram:
                        accounts:
                          default: { botToken: "\(Self.token)", apiRoot: "\(fake.apiRoot)", pollTimeoutSeconds: 1 }
                    """)
                let deadline = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < deadline {
                    let (_, body) = try await daemon.json("GET", "/v1/channels")
                    if "\(body)".contains("running") { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let run = try await SetupProcess(["setup", "telegram", "--token", Self.token, "--bind-next", "--yes", "--timeout", "5"], in: dir).wait()
                #expect(run.status == 1 && run.stderr.contains("acpd is running with telegram account default"), "\(run.stdout)\(run.stderr)")
                #expect(run.stderr.contains("stop it first"), "\(run.stderr)")
                #expect(try await daemon.stop(signal: SIGTERM) == 0)
            }
        }
    }

    @Test("the full commented example (`acpd config example`) gets a second account, a binding and an owner; everything else is byte for byte kept")
    func editsTheExample() async throws {
        try await TelegramFakeServer.with(token: Self.token) { fake in
            await fake.state.addForum(Self.forum, topics: [42])
            try await withTemporaryDirectory { dir in
                let variables = ["DISCORD_BOT_TOKEN": "d", "ACPD_SECRET": "s", "ACPD_API_TOKEN": "a", "TELEGRAM_BOT_TOKEN": "other:token"]
                let example = try await CLI.run(["config", "example"], in: dir)
                let original = example.stdout.replacingOccurrences(of: "cwd: /srv/repo", with: "cwd: \(dir.path)")
                try original.write(to: dir.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
                let wizard = try SetupProcess(["setup", "telegram", "--account", "work", "--token", Self.token, "--api-root", fake.apiRoot,
                                               "--bind-next", "--agent", "claude", "--route", "--owner-from-sender", "--yes", "--timeout", "30"],
                                              in: dir, environment: variables)
                try await Self.waitForPolls(fake, 2)
                await fake.state.enqueueText("here", chat: Self.forum, from: 778, topic: 42)
                let run = try await wizard.wait()
                #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                let text = try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                // Only insertions, and the owners line edited in place.
                let before = original.split(separator: "\n", omittingEmptySubsequences: false)
                var after = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
                for line in before {
                    if line.contains("owners: [") {
                        #expect(after.contains { $0.contains("\"telegram:111\", \"discord:222222222222222222\", \"telegram:778\"]") }, "\(text)")
                        continue
                    }
                    guard let index = after.firstIndex(of: line) else { Issue.record("lost or changed: \(line)"); break }
                    after = after[(index + 1)...]
                }
                #expect(text.contains("      work:\n        botToken: \"${TELEGRAM_BOT_TOKEN_WORK}\""), "\(text)")
                #expect(text.contains("agentId: claude\n    match: { channel: telegram, accountId: work, peer: { kind: group, id: \"\(Self.forum):topic:42\" } }"), "\(text)")
                #expect(!text.contains(Self.token))
                #expect(try String(contentsOf: dir.appendingPathComponent("acpd.env"), encoding: .utf8).contains("TELEGRAM_BOT_TOKEN_WORK=\(Self.token)\n"))
                var environment = variables
                environment["TELEGRAM_BOT_TOKEN_WORK"] = Self.token
                let validate = try await CLI.run(["config", "validate"], in: dir, environment: environment)
                #expect(validate.status == 0 && validate.stdout.contains("3 bindings: 1 acp, 2 route"), "\(validate.stdout)\(validate.stderr)")
            }
        }
    }

    @Test("on a terminal, a scripted session answers the prompts (the token not echoed) and gets the same config as the flags")
    func interactive() async throws {
        try await TelegramFakeServer.with(token: Self.token) { fake in
            await fake.state.addForum(Self.forum, topics: [42])
            try await withTemporaryDirectory { dir in
                let scripted = dir.appendingPathComponent("scripted"), flags = dir.appendingPathComponent("flags")
                for sub in [scripted, flags] {
                    try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
                    _ = try await CLI.run(["init", "--agent", "demo"], in: sub)
                }
                let session = try PseudoTerminalProcess(["setup", "telegram", "--api-root", fake.apiRoot], in: scripted)
                try await session.expect("Telegram bot token from @BotFather")
                session.type(Self.token)
                try await session.expect("Bind a chat now")
                session.type("")
                try await session.expect("send any message")
                await fake.state.enqueueText("bind me", chat: Self.forum, from: 777, topic: 42)
                try await session.expect("as owner? [y/N]")
                session.type("y")
                try await session.expect("Write ")
                session.type("")
                #expect(try await session.wait() == 0, "\(session.transcript)")
                #expect(session.transcript.contains("wrote "), "\(session.transcript)")
                #expect(!session.transcript.contains(Self.token), "the token was echoed: \(session.transcript)")

                let before = await fake.state.polledOffsets.count
                let wizard = try SetupProcess(["setup", "telegram", "--token", Self.token, "--api-root", fake.apiRoot,
                                               "--bind-next", "--owner-from-sender", "--yes"], in: flags)
                try await Self.waitForPolls(fake, before + 2)
                await fake.state.enqueueText("bind me", chat: Self.forum, from: 777, topic: 42)
                #expect(try await wizard.wait().status == 0)
                let a = try String(contentsOf: scripted.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                let b = try String(contentsOf: flags.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                #expect(a == b && a.contains("\(Self.forum):topic:42") && a.contains("telegram:777"), "\(a)\n---\n\(b)")
            }
        }
    }

    @Test("a channel post binds the channel as kind channel and adds no owner (it names no sender)")
    func channelPost() async throws {
        try await TelegramFakeServer.with(token: Self.token) { fake in
            try await withTemporaryDirectory { dir in
                _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
                let wizard = try SetupProcess(["setup", "telegram", "--token", Self.token, "--api-root", fake.apiRoot,
                                               "--bind-next", "--owner-from-sender", "--yes", "--timeout", "30"], in: dir)
                try await Self.waitForPolls(fake, 2)
                await fake.state.enqueue(["channel_post": JSONValue([
                    "message_id": 5, "date": 1, "text": "hi",
                    "chat": JSONValue(["id": .int(-1_009_999), "type": "channel", "title": "News"]),
                ])])
                let run = try await wizard.wait()
                #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                #expect(run.stdout.contains("chat: News (channel, id -1009999)") && run.stdout.contains("no owner added"), "\(run.stdout)")
                let text = try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                #expect(text.contains("peer: { kind: channel, id: \"-1009999\" }") && text.contains("owners: []"), "\(text)")
                let validate = try await CLI.run(["config", "validate"], in: dir, environment: ["TELEGRAM_BOT_TOKEN": Self.token])
                #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
            }
        }
    }
}
