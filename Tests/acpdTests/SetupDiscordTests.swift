import DiscordFake
import Foundation
import Testing
import TestSupport

/// `acpd setup discord` against the fake Discord, non-interactively: the token and application
/// are checked, the invite URL carries exactly acpd's scopes and permissions, the next message's
/// channel or thread is bound, the token lands only in the 0600 env file; a disallowed Message
/// Content intent stops it with the fix.
@Suite("acpd setup discord", .serialized)
struct SetupDiscordTests {
    static let token = "discord-SETUP-secret-token"
    static let user = "700000000000000777"

    /// Waits until the wizard's gateway connection is up.
    static func waitForConnection(_ fake: DiscordFakeServer) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !(await fake.state.isConnected) {
            guard ContinuousClock.now < deadline else { Issue.record("the wizard never connected"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
        // READY is sent right after IDENTIFY; let it arrive before the message does.
        try await Task.sleep(for: .milliseconds(200))
    }

    @Test("the next message's channel (or thread) is bound, the sender made owner; invite URL, application id, comments kept, token only in acpd.env",
          arguments: [false, true])
    func bindsNextMessage(inThread: Bool) async throws {
        try await DiscordFakeServer.with(token: Self.token) { fake in
            try await withTemporaryDirectory { dir in
                let initRun = try await CLI.run(["init", "--agent", "demo"], in: dir)
                #expect(initRun.status == 0, "\(initRun.stderr)")
                let configURL = dir.appendingPathComponent("acpd.yaml")
                let original = try String(contentsOf: configURL, encoding: .utf8)
                let target = inThread ? await fake.state.addThread(in: fake.state.generalChannel, name: "work") : fake.state.generalChannel

                let wizard = try SetupProcess(["setup", "discord", "--api-base", fake.apiBase, "--bind-next", "--agent", "demo",
                                               "--owner-from-sender", "--yes", "--timeout", "30"],
                                              in: dir, environment: ["DISCORD_BOT_TOKEN": Self.token])
                try await Self.waitForConnection(fake)
                await fake.state.postMessage("bind me", in: target, from: Self.user)
                let run = try await wizard.wait()
                #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                #expect(!run.stdout.contains(Self.token) && !run.stderr.contains(Self.token))
                // bot + applications.commands; View Channels, Send Messages, Send Messages in Threads, Create Public
                // Threads, Manage Threads, Read Message History, Add Reactions = 2^10+2^11+2^38+2^35+2^34+2^16+2^6.
                #expect(run.stdout.contains("https://discord.com/oauth2/authorize?client_id=\(fake.state.applicationId)&scope=bot+applications.commands&permissions=326417583168"),
                        "\(run.stdout)")
                #expect(run.stdout.contains("Message Content intent is allowed"), "\(run.stdout)")
                #expect(run.stdout.contains(inThread ? "thread: #work (id \(target))" : "channel: #general (id \(target))"), "\(run.stdout)")

                let text = try String(contentsOf: configURL, encoding: .utf8)
                // Every comment is kept (the owners line's moved right: the entry is longer than the room before it).
                let comments = { (text: String) in
                    text.split(separator: "\n").compactMap { line in line.firstIndex(of: "#").map { String(line[$0...]) } }
                }
                #expect(Set(comments(original)).isSubset(of: Set(comments(text))), "\(text)")
                #expect(text.contains("peer: { kind: channel, id: \"\(target)\" }"), "\(text)")
                #expect(text.contains("owners: [\"discord:\(Self.user)\"]"), "\(text)")
                #expect(text.contains("botToken: \"${DISCORD_BOT_TOKEN}\"") && text.contains("applicationId: \"\(fake.state.applicationId)\""), "\(text)")
                #expect(!text.contains(Self.token) && !text.contains("SETUP-secret"), "\(text)")

                let envPath = dir.appendingPathComponent("acpd.env").path
                #expect(try String(contentsOfFile: envPath, encoding: .utf8).contains("DISCORD_BOT_TOKEN=\(Self.token)\n"))
                #expect(try FileManager.default.attributesOfItem(atPath: envPath)[.posixPermissions] as? Int == 0o600)
                let validate = try await CLI.run(["config", "validate"], in: dir, environment: ["DISCORD_BOT_TOKEN": Self.token])
                #expect(validate.status == 0 && validate.stdout.contains("1 binding: 1 acp"), "\(validate.stdout)\(validate.stderr)")
            }
        }
    }

    @Test("a disallowed Message Content intent (4014) and a rejected token stop it with the fix; nothing is written")
    func refusals() async throws {
        try await DiscordFakeServer.with(token: Self.token) { fake in
            try await withTemporaryDirectory { dir in
                _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
                let original = try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                let base = ["setup", "discord", "--api-base", fake.apiBase, "--bind-next", "--yes", "--timeout", "20"]
                let bad = try await SetupProcess(base + ["--token", "wrong-token"], in: dir).wait()
                #expect(bad.status == 1 && bad.stderr.contains("rejected the token"), "\(bad.stdout)\(bad.stderr)")

                await fake.state.configureGateway(messageContentAllowed: false)
                let intents = try await SetupProcess(base + ["--token", Self.token], in: dir).wait()
                #expect(intents.status == 1 && intents.stderr.contains("4014") && intents.stderr.contains("Message Content"),
                        "\(intents.stdout)\(intents.stderr)")
                #expect(try String(contentsOf: dir.appendingPathComponent("acpd.yaml"), encoding: .utf8) == original)
                #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("acpd.env").path))
            }
        }
    }

    @Test("on a terminal, a scripted session answers the prompts (the token not echoed) and gets the same config as the flags")
    func scriptedTerminal() async throws {
        try await DiscordFakeServer.with(token: Self.token) { fake in
            try await withTemporaryDirectory { dir in
                let scripted = dir.appendingPathComponent("scripted"), flags = dir.appendingPathComponent("flags")
                for sub in [scripted, flags] {
                    try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
                    _ = try await CLI.run(["init", "--agent", "demo"], in: sub)
                }
                let session = try PseudoTerminalProcess(["setup", "discord", "--api-base", fake.apiBase], in: scripted)
                try await session.expect("Discord bot token")
                session.type(Self.token)
                try await session.expect("Bind a channel now")
                session.type("y")
                try await session.expect("send any message")
                try await Self.waitForConnection(fake)
                await fake.state.postMessage("bind me", in: fake.state.generalChannel, from: Self.user)
                try await session.expect("as owner? [y/N]")
                session.type("y")
                try await session.expect("Write ")
                session.type("")
                #expect(try await session.wait() == 0, "\(session.transcript)")
                #expect(session.transcript.contains("wrote "), "\(session.transcript)")
                #expect(!session.transcript.contains(Self.token), "the token was echoed: \(session.transcript)")

                let wizard = try SetupProcess(["setup", "discord", "--api-base", fake.apiBase, "--bind-next", "--agent", "demo",
                                               "--owner-from-sender", "--yes", "--timeout", "30"],
                                              in: flags, environment: ["DISCORD_BOT_TOKEN": Self.token])
                try await Self.waitForConnection(fake)
                await fake.state.postMessage("bind me", in: fake.state.generalChannel, from: Self.user)
                #expect(try await wizard.wait().status == 0)
                let a = try String(contentsOf: scripted.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                let b = try String(contentsOf: flags.appendingPathComponent("acpd.yaml"), encoding: .utf8)
                #expect(a == b && a.contains("id: \"\(fake.state.generalChannel)\"") && a.contains("discord:\(Self.user)"), "\(a)\n---\n\(b)")
                let envA = try String(contentsOf: scripted.appendingPathComponent("acpd.env"), encoding: .utf8)
                #expect(envA.contains("DISCORD_BOT_TOKEN=\(Self.token)\n"), "the typed token lands in the env file")
            }
        }
    }
}
