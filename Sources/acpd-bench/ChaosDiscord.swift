import ACPControlPlane
import DiscordFake
import Foundation

/// One chaos trial through the Discord channel: `acpd run` on the fake Discord's gateway and REST,
/// a route-bound channel with threads, an unbound channel and thread to spawn into; prompts,
/// `/acp cancel`, `/new`, spawns with `--bind here`, permission prompts answered by button
/// presses (sometimes twice); redelivered MESSAGE_CREATEs, dropped sockets, RECONNECT and
/// resumable INVALID_SESSION (the fake replays on RESUME), 429s and 502s on REST; agents and acpd
/// SIGKILLed at random points.
///
/// Discord does not redeliver to a new session: a message posted before a SIGKILL that acpd had
/// not yet made a run of is gone, as it is for any bot. Such messages are "exposed" (the store,
/// read while acpd is down after the kill, has no run of them): they must run at most once; every
/// other prompt exactly once.
enum ChaosDiscord {
    static let token = "discord-chaos-token"
    static let owner = "222222222222222222"

    struct Sent {
        var marker: String
        var channel: String
        var exposed = false
        /// Sent into a conversation right after its `/acp spawn --bind here`: runs only if the spawn did.
        var afterSpawn = false
    }

    static func trial(_ number: Int, seed: UInt64, environment: ChaosEnvironment) async throws -> ChaosTally {
        var rng = ChaosRandom(seed: seed &* 1_000_003 &+ UInt64(number) &+ 0xD15C)
        let started = monotonicSeconds()
        _ = chaosTakeTrace()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-chaos-discord-s\(seed)-t\(number)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace"), withIntermediateDirectories: true)
        let threadCount = Int.random(in: 1...2, using: &rng)
        let port = try chaosPort(&rng)
        let seeded = rng
        var tally = try await DiscordFakeServer.with(token: token) { fake in
            var tally = ChaosTally()
            tally.trials = 1
            var rng = seeded
            let general = fake.state.generalChannel
            var bound = [general]
            for index in 0..<threadCount { bound.append(await fake.state.addThread(in: general, name: "task \(index)")) }
            let free = [fake.state.otherChannel, await fake.state.addThread(in: fake.state.otherChannel, name: "spawn here", silently: true)]
            let config = """
                stateDir: ./state
                acp: { defaultAgent: demo, stream: { coalesceIdleMs: 50 } }
                agents:
                  demo: { command: ["\(environment.agent)", "--state-dir", "\(directory.path)/demo"], cwd: ./workspace }
                bindings:
                  - { type: route, agentId: demo, match: { channel: discord, peer: { kind: channel, id: "\(general)" } } }
                channels:
                  discord:
                    accounts:
                      default: { botToken: "\(token)", apiBase: "\(fake.apiBase)", applicationId: "\(fake.state.applicationId)" }
                access:
                  owners: ["discord:\(owner)"]
                  rateLimit: { perMinute: 100000, burst: 100000 }
                api: { listen: "127.0.0.1:\(port)" }
                """
            try config.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
            await fake.state.setBuckets(limit: 50, window: .seconds(1))
            let daemon = try ChaosDaemon(acpd: environment.acpd, directory: directory)
            defer { daemon.kill() }
            try await startAndWait(daemon, fake)
            let bot = fake.state.botUserId

            var sent: [Sent] = []
            var spawned: [String] = []
            var pressed: Set<String> = []
            func press(_ probability: Double) async {
                for message in await fake.state.botMessages where !message.buttons.isEmpty {
                    guard !pressed.contains(message.id), rng.chance(probability), let button = message.buttons.first?.first else { continue }
                    pressed.insert(message.id)
                    let times = rng.chance(0.2) ? 2 : 1
                    for _ in 0..<times {
                        await fake.state.pressButton(button.customId, on: message.id, in: message.channelId, by: owner)
                        chaosTrace("press \(button.label) under \(message.id)")
                        tally.presses += 1
                    }
                }
            }
            func post(_ text: String, in channel: String) async {
                let twice = rng.chance(0.15)
                if twice { tally.duplicatesInjected += 1 }
                let id = await fake.state.postMessage(text, in: channel, from: owner, twice: twice)
                chaosTrace("message \(id) in \(channel)\(twice ? " (twice)" : ""): \(text)")
            }

            let steps = Int.random(in: 8...16, using: &rng)
            for step in 0..<steps {
                tally.actions += 1
                if rng.chance(0.3) {
                    tally.faults += 1
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: await fake.state.inject(.tooManyRequests(retryAfter: .milliseconds(500), global: false)); chaosTrace("fault: 429 on the next REST call")
                    case 1: await fake.state.inject(.serverError); chaosTrace("fault: 502 on the next REST call")
                    case 2: await fake.state.injectGateway(.dropSocket); chaosTrace("fault: socket dropped")
                    case 3: await fake.state.injectGateway(.reconnect); chaosTrace("fault: op 7 RECONNECT")
                    default: await fake.state.injectGateway(.invalidSession(resumable: true)); chaosTrace("fault: op 9 resumable")
                    }
                }
                let marker = "mk\(seed)x\(number)x\(step)"
                let roll = Double.random(in: 0..<1, using: &rng)
                let channels = bound + spawned
                if roll < 0.42 {
                    let channel = rng.pick(channels)
                    await post("marker \(marker) [chunks=\(Int.random(in: 1...6, using: &rng))] [delay=\(rng.pick([0, 5, 20, 60, 120]))]", in: channel)
                    sent.append(Sent(marker: marker, channel: channel))
                } else if roll < 0.50 {
                    await post("/acp cancel", in: rng.pick(channels))
                } else if roll < 0.56 {
                    await post("/new", in: rng.pick(bound))
                } else if roll < 0.66, let channel = free.first(where: { !spawned.contains($0) }) {
                    await post("/acp spawn demo --bind here", in: channel)
                    spawned.append(channel)
                    await post("marker \(marker) [chunks=\(Int.random(in: 1...4, using: &rng))]", in: channel)
                    sent.append(Sent(marker: marker, channel: channel, afterSpawn: true))
                } else if roll < 0.76 {
                    await post("[permission] may I \(marker)", in: rng.pick(channels))
                } else if roll < 0.86 {
                    let channel = rng.pick(channels)
                    await post("marker \(marker) [chunks=5] [delay=150]", in: channel)
                    sent.append(Sent(marker: marker, channel: channel))
                    try await Task.sleep(for: .milliseconds(Int.random(in: 100...500, using: &rng)))
                    let agents = daemon.agentProcesses()
                    if !agents.isEmpty {
                        kill(rng.pick(agents), SIGKILL)
                        chaosTrace("SIGKILL an agent")
                        tally.agentKills += 1
                    }
                } else {
                    try await Task.sleep(for: .milliseconds(rng.pick([0, 10, 50, 200])))
                    daemon.kill()
                    tally.kills += 1
                    let requestCount = await fake.state.requests.count
                    chaosTrace("SIGKILL acpd after \(requestCount) REST requests")
                    // A message acpd had not yet made a run of is gone with the gateway session
                    // (Discord does not redeliver to a new one); so is a spawn it had not bound.
                    let atKill = try ChaosStoreView(directory: directory, integrity: false)
                    for index in sent.indices where atKill.runs(containing: "marker \(sent[index].marker) ").isEmpty {
                        sent[index].exposed = true
                    }
                    spawned.removeAll { channel in !atKill.activeBindings.contains { $0.conversation.conversationId == channel } }
                    try daemon.start()
                    if rng.chance(0.3) {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &rng)))
                        daemon.kill()
                        tally.kills += 1
                        tally.recoveryKills += 1
                        try daemon.start()
                    }
                    try await startAndWait(daemon, fake, alreadyStarted: true)
                }
                try await Task.sleep(for: .milliseconds(rng.pick([0, 10, 50, 150])))
                await press(0.7)
            }
            tally.prompts = sent.count
            tally.exposed = sent.filter(\.exposed).count
            let settled = try await chaosSettle(within: 90, {
                let messages = await fake.state.botMessages
                let connected = await fake.state.isConnected
                return !chaosIdle(directory) ? "\(monotonicSeconds())" : "\(connected) \(messages.map { "\($0.id):\($0.content.count):\($0.buttons.count)" })"
            }, poke: {
                await press(1)
                guard daemon.isRunning else { throw BenchError("acpd exited by itself") }
            })
            if !settled { tally.violation(nil, "did not settle within 90 s") }
            for (index, request) in await fake.state.requests.enumerated() where !request.hasPrefix("GET") && !request.hasSuffix("/typing") {
                chaosTrace("REST \(index + 1): \(request)")
            }
            for message in await fake.state.botMessages { chaosTrace("shown [\(message.channelId) \(message.id) e\(message.editCount)] \(message.content.prefix(100))") }
            let exitCode = await daemon.stop()
            let view = try ChaosStoreView(directory: directory)
            await chaosCommonChecks(view, daemon: daemon, exitCode: exitCode, tally: &tally)
            let messages = await fake.state.botMessages.filter { $0.authorId == bot }
            check(view, sent: sent, spawned: spawned, messages: messages, tally: &tally)
            return tally
        }
        chaosFinishTrial(&tally, channel: "discord", number: number, seed: seed, directory: directory, keep: environment.keep, started: started)
        return tally
    }

    /// Starts acpd (unless `alreadyStarted`) and waits until its gateway session is connected.
    static func startAndWait(_ daemon: ChaosDaemon, _ fake: DiscordFakeServer, alreadyStarted: Bool = false) async throws {
        let before = await fake.state.identifies.count
        if !alreadyStarted { try daemon.start() }
        try await benchWaitFor(30, "acpd identifies on the gateway") {
            guard daemon.isRunning else { return false }
            let identified = await fake.state.identifies.count > before
            let connected = await fake.state.isConnected
            return identified && connected
        }
    }

    static func check(_ view: ChaosStoreView, sent: [Sent], spawned: [String], messages: [FakeDiscordMessage], tally: inout ChaosTally) {
        tally.runs = view.runs.count
        for item in sent {
            let runs = view.runs(containing: "marker \(item.marker) ")
            if runs.count > 1 { tally.violation(\.duplicateRuns, "\(item.marker) ran \(runs.count) times") }
            // A spawn whose agent is killed before it started fails and leaves the channel unbound:
            // the prompt sent with it is excused, and so is a later one answered ACP_NOT_BOUND.
            let inChannel = messages.filter { $0.channelId == item.channel }
            let spawnFailed = spawned.contains(item.channel) && !inChannel.contains { $0.content.hasPrefix("OK: spawned") }
                && (item.afterSpawn || inChannel.contains { $0.content.hasPrefix("ERROR: ACP_NOT_BOUND") })
            if runs.isEmpty, !item.exposed, !spawnFailed { tally.violation(\.lost, "\(item.marker) (channel \(item.channel)) never ran") }
            for run in runs where run.conversation?.conversationId != item.channel {
                tally.violation(\.misrouted, "\(item.marker): its run is in \(run.conversation?.canonical ?? "none"), not \(item.channel)")
            }
            let shown = messages.filter { $0.content.contains("marker \(item.marker) ") }
            if shown.count > 1 { tally.violation(\.duplicateMessages, "\(item.marker) shown in \(shown.count) messages: \(shown.map(\.content))") }
            for message in shown where message.channelId != item.channel {
                tally.violation(\.misrouted, "\(item.marker) shown in \(message.channelId), not \(item.channel)")
            }
        }
        for channel in spawned {
            let replies = messages.filter { $0.channelId == channel && $0.content.hasPrefix("OK: spawned") }
            if replies.count > 1 { tally.violation(\.duplicateMessages, "\(channel): the spawn answered \(replies.count) times") }
            if !replies.isEmpty, !view.activeBindings.contains(where: { $0.conversation.conversationId == channel }) {
                tally.violation(\.lostBindings, "\(channel): spawned and bound, no active binding left")
            }
        }
        var interrupted: [String: Int] = [:]
        for run in view.runs where run.errorMessage == "acpd restarted" {
            guard let channel = run.conversation?.conversationId else { continue }
            interrupted[channel, default: 0] += 1
        }
        for channel in Set(interrupted.keys).union(messages.map(\.channelId)) {
            let told = messages.filter { $0.channelId == channel && $0.content.contains("acpd restarted") }.count
            if told != interrupted[channel, default: 0] {
                tally.violation(\.unreported, "\(channel): \(interrupted[channel, default: 0]) runs interrupted by a crash, told \(told) times")
            }
        }
    }
}
