import ACPControlPlane
import DiscordFake
import Foundation
import Testing
import TestSupport

/// `acpd run` with a Discord account whose `apiBase` is the fake Discord (REST and gateway).
@Suite("discord end to end", .serialized)
struct DiscordE2ETests {
    static let token = "discord-e2e-token"
    static let owner = "222222222222222222"

    static func config(apiBase: String, channel: String) -> String {
        """
        acp:
          defaultAgent: demo
        \(E2EConfig.demoAgent)
        bindings:
          - type: acp
            agentId: demo
            match: { channel: discord, peer: { kind: channel, id: "\(channel)" } }
        channels:
          discord:
            accounts:
              default: { botToken: "\(token)", apiBase: "\(apiBase)", applicationId: "800000000000000001" }
              revoked: { botToken: "revoked-token", apiBase: "\(apiBase)" }
              off: { botToken: "off-token", apiBase: "\(apiBase)", enabled: false }
        access:
          owners: ["discord:\(owner)"]
        """
    }

    /// Waits until the bot shows a message containing `text` in `channel`; returns those messages.
    @discardableResult
    static func waitForBot(_ fake: DiscordFakeServer, _ text: String, in channel: String, daemon: DaemonProcess,
                           within seconds: Double = 30) async throws -> [FakeDiscordMessage] {
        try await withDeadline(seconds, "the bot says \"\(text)\" in \(channel)\n\(daemon.log)") {
            while true {
                let bot = fake.state.botUserId
                let found = await fake.state.messages(in: channel).filter { $0.authorId == bot && $0.content.contains(text) }
                if !found.isEmpty { return found }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    @Test("a prompt in a bound channel gets the demo agent's answer there; a thread follows its parent's binding and is answered in the thread; a redelivered message starts one run; the run shows typing; a rejected account stops nothing else")
    func boundChannelAndThread() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.token) { fake in
                let general = fake.state.generalChannel
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiBase: fake.apiBase, channel: general))
                try await withDeadline(30, "the gateway is connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                await fake.state.postMessage("hello channel", in: general, from: Self.owner, twice: true)
                try await Self.waitForBot(fake, "echo: hello channel", in: general, daemon: daemon)
                let thread = await fake.state.addThread(in: general, name: "task 1")
                await fake.state.postMessage("[delay=300] hello thread", in: thread, from: Self.owner)
                try await Self.waitForBot(fake, "hello thread", in: thread, daemon: daemon)
                // The run showed "typing…" in the thread while it ran.
                #expect(await fake.state.typing.contains(thread))
                let sent = await fake.state.botMessages
                let threadAnswerInGeneral = sent.contains { $0.channelId == general && $0.content.contains("hello thread") }
                #expect(!threadAnswerInGeneral, "the thread's answer stayed in the thread: \(sent)")
                let elsewhere = sent.filter { $0.channelId != general && $0.channelId != thread }
                #expect(elsewhere.isEmpty, "\(sent)")
                let unsafe = await fake.state.unsafeMentions
                let exhausted = await fake.state.requestsWhileExhausted
                #expect(unsafe.isEmpty && exhausted.isEmpty, "\(unsafe) \(exhausted)")
                try await withDeadline(10, "account revoked logs its rejected token") {
                    while !daemon.log.contains("Discord rejected the bot token") { try await Task.sleep(for: .milliseconds(50)) }
                }
                let (_, metrics) = try await daemon.request("GET", "/metrics")
                let exposition = String(decoding: metrics, as: UTF8.self)
                #expect(exposition.contains(#"acpd_channel_up{channel="discord",account="default"} 1"#), "\(exposition)")
                #expect(exposition.contains(#"acpd_channel_up{channel="discord",account="revoked"} 0"#), "\(exposition)")
                #expect(exposition.contains(#"acpd_channel_requests_total{channel="discord",method="createMessage",result="ok"}"#), "\(exposition)")
                let log = daemon.log
                #expect(!log.contains("revoked-token") && !log.contains(Self.token), "a token was logged")
                #expect(log.contains("discord account disabled in config"), "\(log)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                #expect(try daemon.runCount() == 2, "one run per message: the redelivered one started nothing")
            }
        }
    }

    @Test("a socket dropped without a close frame is resumed: the message posted meanwhile is answered once, nothing is lost or repeated")
    func droppedSocketResumes() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.token) { fake in
                let general = fake.state.generalChannel
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiBase: fake.apiBase, channel: general))
                try await withDeadline(30, "connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                await fake.state.postMessage("first", in: general, from: Self.owner)
                try await Self.waitForBot(fake, "echo: first", in: general, daemon: daemon)
                await fake.state.injectGateway(.dropSocket)
                await fake.state.postMessage("while away", in: general, from: Self.owner)
                try await Self.waitForBot(fake, "echo: while away", in: general, daemon: daemon)
                await fake.state.postMessage("after", in: general, from: Self.owner)
                try await Self.waitForBot(fake, "echo: after", in: general, daemon: daemon)
                #expect(try await Self.waitForBot(fake, "echo: while away", in: general, daemon: daemon).count == 1)
                let resumes = await fake.state.resumes
                #expect(resumes.count == 1 && resumes.first?.path == "/gateway-resume", "\(resumes)")
                #expect(await fake.state.identifies.count == 1)
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                #expect(try daemon.runCount() == 3)
            }
        }
    }

    @Test("a permission prompt shows buttons in its channel; a press is acknowledged within 3 s, answers the agent and the prompt loses its buttons; a double tap's second press is told so in private, nothing posted")
    func buttonRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.token) { fake in
                let general = fake.state.generalChannel
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiBase: fake.apiBase, channel: general))
                try await withDeadline(30, "connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                await fake.state.postMessage("[permission] may I", in: general, from: Self.owner)
                let prompt = try await withDeadline(30, "a message with buttons\n\(daemon.log)") {
                    while true {
                        if let found = await fake.state.messages(in: general).first(where: { !$0.buttons.isEmpty }) { return found }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let button = try #require(prompt.buttons.first?.first)
                let press = await fake.state.pressButton(button.customId, on: prompt.id, in: general, by: Self.owner)
                // A double tap: the second press arrives before the prompt lost its buttons.
                let again = await fake.state.pressButton(button.customId, on: prompt.id, in: general, by: Self.owner)
                try await Self.waitForBot(fake, "permission: selected", in: general, daemon: daemon)
                // Discord's interactions are handled side by side: either press may be the one that answers.
                let stale = try await withDeadline(10, "one press is told it changed nothing\n\(daemon.log)") {
                    while true {
                        let answers = await fake.state.interactionAnswers
                        if let found = [press, again].first(where: { id in answers.contains { $0.interactionId == id && $0.type == 0 } }) {
                            return found
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let answering = stale == press ? again : press
                let answers = await fake.state.interactionAnswers.filter { $0.interactionId == answering }
                #expect(answers.map(\.type) == [6], "acknowledged once, with a deferred update: \(answers)")
                #expect(answers.allSatisfy { !$0.refused && $0.after < .seconds(3) })
                let second = await fake.state.interactionAnswers.filter { $0.interactionId == stale }
                #expect(second.map(\.type) == [6, 0] && second.last?.ephemeral == true
                        && second.last?.content == "This request was already answered.", "\(second)")
                #expect(await fake.state.messages(in: general).allSatisfy { !$0.content.contains("ERROR") && !$0.content.contains("no pending") })
                try await withDeadline(10, "the prompt's buttons are removed") {
                    while await fake.state.messages(in: general).first(where: { $0.id == prompt.id })?.buttons.isEmpty != true {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    @Test("slash commands are registered globally; /acp status is acknowledged within 3 s and answered once, in the edited ephemeral response, not again in the channel")
    func slashCommand() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.token) { fake in
                let general = fake.state.generalChannel
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiBase: fake.apiBase, channel: general))
                try await withDeadline(30, "commands registered\n\(daemon.log)") {
                    while await fake.state.commands[""] != ["acp", "new", "reset"] { try await Task.sleep(for: .milliseconds(50)) }
                }
                let id = await fake.state.invokeCommand("acp", subcommand: "status", in: general, by: Self.owner)
                try await withDeadline(30, "the original response is edited\n\(daemon.log)") {
                    while await !fake.state.interactionAnswers.contains(where: { $0.interactionId == id && $0.type == -1 }) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let answers = await fake.state.interactionAnswers.filter { $0.interactionId == id }
                #expect(answers.first?.type == 5 && answers.first?.ephemeral == true && answers.first?.refused == false, "\(answers)")
                #expect(answers.allSatisfy { $0.after < .seconds(3) }, "\(answers)")
                // The command's reply is the response (OK: or ERROR:), and it is not posted again.
                let response = answers.first { $0.type == -1 }?.content ?? ""
                #expect(response.hasPrefix("OK:") || response.hasPrefix("ERROR:"), "\(answers)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                let bot = fake.state.botUserId
                let posted = await fake.state.messages(in: general).filter { $0.authorId == bot && ($0.content.hasPrefix("OK:") || $0.content.hasPrefix("ERROR:")) }
                #expect(posted.isEmpty, "the reply was posted in the channel too: \(posted.map(\.content))")
            }
        }
    }

    @Test("an exact thread binding wins over its parent channel's: the thread gets a session of its own")
    func exactThreadBindingWins() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.token) { fake in
                let general = fake.state.generalChannel
                let pinned = await fake.state.addThread(in: general, name: "pinned")
                let loose = await fake.state.addThread(in: general, name: "loose")
                let config = Self.config(apiBase: fake.apiBase, channel: general).replacingOccurrences(of: "channels:\n", with: """
                  - type: acp
                    agentId: demo
                    match: { channel: discord, peer: { kind: channel, id: "\(pinned)" } }
                    acp: { label: pinned-thread }
                channels:

                """)
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                try await withDeadline(30, "connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                await fake.state.postMessage("in general", in: general, from: Self.owner)
                try await Self.waitForBot(fake, "echo: in general", in: general, daemon: daemon)
                await fake.state.postMessage("in loose", in: loose, from: Self.owner)
                try await Self.waitForBot(fake, "echo: in loose", in: loose, daemon: daemon)
                #expect(try daemon.sessionCount() == 2, "the loose thread shares its parent's session; the pinned one has its own")
                await fake.state.postMessage("in pinned", in: pinned, from: Self.owner)
                try await Self.waitForBot(fake, "echo: in pinned", in: pinned, daemon: daemon)
                #expect(try daemon.sessionCount() == 2)
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                // Runs by session: the pinned thread's one run is in its own session, the parent's
                // session has the channel's and the loose thread's.
                let runs = try daemon.withStore { store in
                    try store.sessions().map { ($0.label ?? "", try store.runs(session: $0.key, limit: 100).count) }
                }
                #expect(runs.first { $0.0 == "pinned-thread" }?.1 == 1, "\(runs)")
                #expect(runs.first { $0.0 != "pinned-thread" }?.1 == 2, "\(runs)")
            }
        }
    }

    @Test("/acp spawn --thread auto makes a thread from the command message and binds it; a spawn that fails deletes its thread; deleting the thread ends its runtime binding")
    func spawnIntoThread() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.token) { fake in
                let general = fake.state.generalChannel
                let config = Self.config(apiBase: fake.apiBase, channel: fake.state.otherChannel).replacingOccurrences(of: "bindings:\n", with: """
                  broken:
                    command: ["\(dir.path)/no-such-agent"]
                    cwd: ./workspace
                bindings:

                """)
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                try await withDeadline(30, "connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                let command = await fake.state.postMessage("/acp spawn demo --thread auto --label task-1", in: general, from: Self.owner)
                let thread = try await withDeadline(30, "a thread named task-1\n\(daemon.log)") {
                    while true {
                        if let found = await fake.state.threads(of: general).first(where: { $0.name == "task-1" }) { return found }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                try await Self.waitForBot(fake, "OK: spawned", in: general, daemon: daemon)
                #expect(thread.id == command, "the thread starts from the command message")
                await fake.state.postMessage("work in the thread", in: thread.id, from: Self.owner)
                try await Self.waitForBot(fake, "echo: work in the thread", in: thread.id, daemon: daemon)
                let threadRef = ConversationRef(channel: .discord, accountId: "default", conversationId: thread.id)
                #expect(try daemon.withStore { try $0.activeBindings(for: threadRef).count } == 1, "the spawned thread is bound")

                await fake.state.postMessage("/acp spawn broken --thread auto --label doomed", in: general, from: Self.owner)
                try await Self.waitForBot(fake, "ERROR:", in: general, daemon: daemon)
                try await withDeadline(10, "the failed spawn's thread is deleted\n\(daemon.log)") {
                    while true {
                        let made = await fake.state.requests.filter { $0.hasPrefix("POST /channels/\(general)/messages/") && $0.hasSuffix("/threads") }.count
                        let names = await fake.state.threads(of: general).map(\.name)
                        if made == 2, !names.contains("doomed") { return }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(await fake.state.requests.filter { $0 == "POST /channels/\(general)/threads" }.isEmpty, "both threads started from their command")
                #expect(await fake.state.threads(of: general).map(\.name) == ["task-1"])
                // Someone deletes the spawned thread: its runtime binding ends, and the log says so.
                await fake.state.removeThread(thread.id)
                try await withDeadline(10, "the deleted thread's binding ends\n\(daemon.log)") {
                    while try daemon.withStore({ try $0.activeBindings(for: threadRef).count }) != 0 { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(daemon.log.contains("runtime binding ended: thread deleted"), "\(daemon.log)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    @Test("ten threads of one channel (a route binding: a session each) stream at once under the fake's buckets: no request on an empty bucket, every final delivered once")
    func tenThreadsStream() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.token) { fake in
                await fake.state.setBuckets(limit: 3, window: .seconds(1))
                let general = fake.state.generalChannel
                var made: [String] = []
                for index in 0..<10 { made.append(await fake.state.addThread(in: general, name: "t\(index)")) }
                let threads = made
                // A route binding of the channel: each thread gets a session of its own, so all ten stream at once.
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiBase: fake.apiBase, channel: general)
                    .replacingOccurrences(of: "  - type: acp\n", with: "  - type: route\n")
                    .replacingOccurrences(of: "  defaultAgent: demo\n", with: "  defaultAgent: demo\n  stream: { coalesceIdleMs: 100 }\n")
                    // Ten prompts at once from one sender: above the default sender rate limit.
                    + "\n  rateLimit: { perMinute: 600, burst: 100 }")
                try await withDeadline(30, "connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                let started = ContinuousClock.now
                for (index, thread) in threads.enumerated() {
                    await fake.state.postMessage("[chunks=15][delay=60] run \(index)", in: thread, from: Self.owner)
                }
                let bot = fake.state.botUserId
                let (firstSeen, finalSeen) = try await withDeadline(60, "every thread's final\n\(daemon.log)") {
                    var firstSeen: [Int: Duration] = [:]
                    var finalSeen: [Int: Duration] = [:]
                    while finalSeen.count < threads.count {
                        for (index, thread) in threads.enumerated() {
                            let mine = await fake.state.messages(in: thread).filter { $0.authorId == bot }
                            if firstSeen[index] == nil, !mine.isEmpty { firstSeen[index] = .now - started }
                            if finalSeen[index] == nil, mine.contains(where: { $0.content.hasSuffix("run \(index)") }) { finalSeen[index] = .now - started }
                        }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    return (firstSeen, finalSeen)
                }
                try await Task.sleep(for: .milliseconds(500))
                for (index, thread) in threads.enumerated() {
                    let finals = await fake.state.messages(in: thread).filter { $0.authorId == bot && $0.content.contains("run \(index)") }
                    #expect(finals.count == 1, "thread \(index): \(finals)")
                }
                let exhausted = await fake.state.requestsWhileExhausted
                #expect(exhausted.isEmpty, "requests on an empty bucket: \(exhausted)")
                let sortedFirst = firstSeen.values.sorted()
                let sortedFinal = finalSeen.values.sorted()
                print("discord 10 threads: first output p50 \(sortedFirst[4]) max \(sortedFirst[9]); final p50 \(sortedFinal[4]) max \(sortedFinal[9]); requests \(await fake.state.requests.count)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                #expect(try daemon.runCount() == 10)
            }
        }
    }

    @Test("DMs work: a route binding answers a DM in the DM; a stranger's pairing request reaches the owner in a DM")
    func directMessages() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.token) { fake in
                let general = fake.state.generalChannel
                let config = Self.config(apiBase: fake.apiBase, channel: general)
                    .replacingOccurrences(of: "bindings:\n", with: """
                    bindings:
                      - type: route
                        agentId: demo
                        match: { channel: discord }

                    """)
                    .replacingOccurrences(of: "  owners: [\"discord:\(Self.owner)\"]", with: "  owners: [\"discord:\(Self.owner)\"]\n  unknownSenders: request_approval")
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                try await withDeadline(30, "connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                let ownerDM = await fake.state.directChannel(with: Self.owner)
                await fake.state.postMessage("hello in private", in: ownerDM, from: Self.owner)
                try await Self.waitForBot(fake, "echo: hello in private", in: ownerDM, daemon: daemon)
                // A stranger writes in the channel: the owner is told in the DM (the bot opens it).
                await fake.state.postMessage("let me in", in: general, from: "555555555555555555")
                let notice = try await Self.waitForBot(fake, "pairing request", in: ownerDM, daemon: daemon)
                #expect(notice.count == 1 && notice[0].content.contains("discord:555555555555555555") && notice[0].content.contains("/acp approve"), "\(notice)")
                #expect(try daemon.pairingRequests().map(\.senderId) == ["555555555555555555"])
                let strangerAnswered = await fake.state.messages(in: general).contains { $0.authorId == fake.state.botUserId }
                #expect(!strangerAnswered, "the stranger gets nothing in the channel")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    /// The Discord accounts' states in `/readyz`.
    static func states(_ daemon: DaemonProcess) async throws -> [String: String] {
        let (_, ready) = try await daemon.json("GET", "/readyz")
        return ((ready["channels"] as? [String: String]) ?? [:]).filter { $0.key.hasPrefix("discord:") }
    }

    @Test("each account's state shows in /readyz and /v1/channels; SIGHUP restarts exactly the changed accounts")
    func accountStateAndReload() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.token) { fake in
                let general = fake.state.generalChannel
                let config = Self.config(apiBase: fake.apiBase, channel: general)
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                try await withDeadline(20, "default runs, revoked failed\n\(daemon.log)") {
                    while try await Self.states(daemon) != ["discord:default": "running", "discord:revoked": "failed", "discord:off": "stopped"] {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let (_, listed) = try await daemon.json("GET", "/v1/channels")
                let accounts = (listed["channels"] as? [[String: Any]]) ?? []
                let revoked = accounts.first { $0["channel"] as? String == "discord" && $0["account"] as? String == "revoked" }
                #expect((revoked?["lastError"] as? String)?.contains("rejected the bot token") == true, "\(listed)")
                #expect(!String(describing: listed).contains("revoked-token"))

                // SIGHUP: revoked gets the good token, default is disabled, off is unchanged.
                let identifiesBefore = await fake.state.identifies.count
                let reloaded = config
                    .replacingOccurrences(of: "revoked: { botToken: \"revoked-token\"", with: "revoked: { botToken: \"\(Self.token)\"")
                    .replacingOccurrences(of: "default: { botToken", with: "default: { enabled: false, botToken")
                #expect(reloaded != config)
                try reloaded.write(to: dir.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
                kill(daemon.process.processIdentifier, SIGHUP)
                try await withDeadline(20, "revoked runs, default stopped\n\(daemon.log)") {
                    while try await Self.states(daemon) != ["discord:default": "stopped", "discord:revoked": "running", "discord:off": "stopped"] {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(await fake.state.identifies.count == identifiesBefore + 1, "exactly revoked identified again")
                let log = daemon.log
                #expect(log.components(separatedBy: "discord account settings changed: restarted").count == 2, "one restart\n\(log)")
                #expect(log.contains("discord account disabled: stopped"), "\(log)")
                // The restarted account takes messages (its conversations are unbound: a command is answered).
                await fake.state.postMessage("/acp sessions", in: general, from: Self.owner)
                try await Self.waitForBot(fake, "OK:", in: general, daemon: daemon)
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }
}
