import ACPControlPlane
import Foundation
import JSONKit
import TelegramFake

/// One chaos trial through the Telegram channel: `acpd run` polling the fake Bot API, a forum with
/// bound topics and free topics to spawn into; prompts, `/acp cancel`, `/new`, spawns with
/// `--bind here`, permission prompts answered by button presses (sometimes pressed twice);
/// duplicated updates, 429s and 502s on calls and polls; agents and acpd SIGKILLed at random
/// points. Telegram redelivers every update until an offset confirms it, so every prompt must
/// run exactly once.
enum ChaosTelegram {
    static let token = "123456:CHAOS-token"
    /// Two forums: Telegram paces every chat on its own (20 messages a minute in a group), so
    /// two keep a trial short; topics of one forum still share a chat, for misrouting to show.
    static let forums: [Int64] = [-1_001_000_000_777, -1_001_000_000_888]
    static let owner: Int64 = 111

    /// A forum topic.
    struct Place: Hashable, CustomStringConvertible {
        var chat: Int64
        var topic: Int64
        /// Its conversation id in acpd.
        var id: String { "\(chat):topic:\(topic)" }
        var description: String { id }
    }

    /// What the harness sent and must find again.
    struct Sent {
        var marker: String
        var topic: Place
        /// Sent into a topic right after its `/acp spawn --bind here`: runs only if the spawn did.
        var afterSpawn = false
    }

    static func trial(_ number: Int, seed: UInt64, environment: ChaosEnvironment) async throws -> ChaosTally {
        var rng = ChaosRandom(seed: seed &* 1_000_003 &+ UInt64(number) &+ 0x7E1E)
        let started = monotonicSeconds()
        _ = chaosTakeTrace()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-chaos-telegram-s\(seed)-t\(number)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace"), withIntermediateDirectories: true)
        let bound = Array([Place(chat: forums[0], topic: 101), Place(chat: forums[1], topic: 101), Place(chat: forums[0], topic: 102)]
            .prefix(Int.random(in: 2...3, using: &rng)))
        let free = [Place(chat: forums[0], topic: 201), Place(chat: forums[1], topic: 201)]
        let port = try chaosPort(&rng)
        let seeded = rng
        var tally = try await TelegramFakeServer.with(token: token) { fake in
            var tally = ChaosTally()
            tally.trials = 1
            var rng = seeded
            for forum in forums { await fake.state.addForum(forum, topics: Set((bound + free).filter { $0.chat == forum }.map(\.topic))) }
            let bindings = bound.map { "  - { type: acp, agentId: demo, match: { channel: telegram, peer: { kind: group, id: \"\($0.id)\" } } }" }
            let config = """
                stateDir: ./state
                acp: { defaultAgent: demo, stream: { coalesceIdleMs: 50 } }
                agents:
                  demo: { command: ["\(environment.agent)", "--state-dir", "\(directory.path)/demo"], cwd: ./workspace }
                bindings:
                \(bindings.joined(separator: "\n"))
                channels:
                  telegram:
                    accounts:
                      default: { botToken: "\(token)", apiRoot: "\(fake.apiRoot)", pollTimeoutSeconds: 1 }
                access:
                  owners: ["telegram:\(owner)"]
                  rateLimit: { perMinute: 100000, burst: 100000 }
                api: { listen: "127.0.0.1:\(port)" }
                """
            try config.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
            let daemon = try ChaosDaemon(acpd: environment.acpd, directory: directory)
            defer { daemon.kill() }
            try await startAndWait(daemon, fake)

            var sent: [Sent] = []
            var spawned: [Place] = []
            /// At each SIGKILL of acpd: the newest message id in each chat.
            var watermarks: [[Int64: Int64]] = []
            var pressed: Set<String> = []
            var lastUpdate: Int64 = 0
            func press(_ probability: Double) async {
                for message in await fake.state.allMessages where !message.buttons.isEmpty {
                    let key = "\(message.chatId):\(message.messageId)"
                    guard !pressed.contains(key), rng.chance(probability), let button = message.buttons.first?.first else { continue }
                    pressed.insert(key)
                    let times = rng.chance(0.2) ? 2 : 1
                    for time in 0..<times {
                        var callback: [String: JSONValue] = [
                            "id": .string("press-\(key)-\(time)"), "chat_instance": "x", "data": .string(button.callbackData),
                            "from": ["id": .int(owner), "is_bot": false, "first_name": "Owner"],
                            "message": ["message_id": .int(message.messageId), "date": 1, "is_topic_message": true,
                                        "chat": ["id": .int(message.chatId), "type": "supergroup", "is_forum": true]],
                        ]
                        if let thread = message.threadId, case .object(var inner)? = callback["message"] {
                            inner["message_thread_id"] = .int(thread)
                            callback["message"] = .object(inner)
                        }
                        lastUpdate = await fake.state.enqueue(["callback_query": JSONValue(callback)])
                        chaosTrace("update \(lastUpdate): press \(button.text) under #\(message.messageId)")
                        tally.presses += 1
                    }
                }
            }

            func say(_ text: String, topic: Place) async -> Int64 {
                let id = await fake.state.enqueueText(text, chat: topic.chat, from: owner, topic: topic.topic)
                chaosTrace("update \(id): topic \(topic): \(text)")
                return id
            }

            let steps = Int.random(in: 8...16, using: &rng)
            for step in 0..<steps {
                tally.actions += 1
                if rng.chance(0.3) {
                    tally.faults += 1
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: await fake.state.inject(.tooManyRequests(retryAfter: 1)); chaosTrace("fault: 429 on the next call")
                    case 1: await fake.state.inject(.serverError); chaosTrace("fault: 502 on the next call")
                    case 2: await fake.state.injectPollFailure(status: 502, description: "Bad Gateway"); chaosTrace("fault: 502 on the next poll")
                    default:
                        await fake.state.injectPollFailure(status: 429, description: "Too Many Requests: retry after 1", retryAfter: 1)
                        chaosTrace("fault: 429 on the next poll")
                    }
                }
                if rng.chance(0.15) {
                    await fake.state.duplicateNextUpdate()
                    chaosTrace("the next update twice")
                    tally.duplicatesInjected += 1
                }
                let marker = "mk\(seed)x\(number)x\(step)"
                let roll = Double.random(in: 0..<1, using: &rng)
                let topics = bound + spawned
                if roll < 0.42 {
                    let topic = rng.pick(topics)
                    let text = "marker \(marker) [chunks=\(Int.random(in: 1...6, using: &rng))] [delay=\(rng.pick([0, 5, 20, 60, 120]))]"
                    lastUpdate = await say(text, topic: topic)
                    sent.append(Sent(marker: marker, topic: topic))
                } else if roll < 0.50 {
                    lastUpdate = await say("/acp cancel", topic: rng.pick(topics))
                } else if roll < 0.56 {
                    lastUpdate = await say("/new", topic: rng.pick(bound))
                } else if roll < 0.66, let topic = free.first(where: { !spawned.contains($0) }) {
                    _ = await say("/acp spawn demo --bind here", topic: topic)
                    spawned.append(topic)
                    let text = "marker \(marker) [chunks=\(Int.random(in: 1...4, using: &rng))]"
                    lastUpdate = await say(text, topic: topic)
                    sent.append(Sent(marker: marker, topic: topic, afterSpawn: true))
                } else if roll < 0.76 {
                    lastUpdate = await say("[permission] may I \(marker)", topic: rng.pick(topics))
                } else if roll < 0.86 {
                    // An agent dies mid-turn: a slow prompt, then SIGKILL of one of the trial's agents.
                    let topic = rng.pick(topics)
                    lastUpdate = await say("marker \(marker) [chunks=5] [delay=150]", topic: topic)
                    sent.append(Sent(marker: marker, topic: topic))
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
                    watermarks.append(await messagesAtKill(fake))
                    chaosTrace("SIGKILL acpd (last messages \(watermarks[watermarks.count - 1]))")
                    try daemon.start()
                    if rng.chance(0.3) {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &rng)))
                        daemon.kill()
                        tally.kills += 1
                        tally.recoveryKills += 1
                        watermarks.append(await messagesAtKill(fake))
                        chaosTrace("SIGKILL acpd in recovery (last messages \(watermarks[watermarks.count - 1]))")
                        try daemon.start()
                    }
                    try await startAndWait(daemon, fake, alreadyStarted: true)
                }
                try await Task.sleep(for: .milliseconds(rng.pick([0, 10, 50, 150])))
                await press(0.7)
            }
            tally.prompts = sent.count
            // Everything answered, every press made, every update confirmed, nothing moving for 2 s.
            // Settled: every update confirmed, acpd idle (its store), the fake quiet for 2 s.
            let settled = try await chaosSettle(within: 180, quiet: 2, {
                let messages = await fake.state.allMessages
                let confirmed = await fake.state.confirmedBelow
                if ProcessInfo.processInfo.environment["ACPD_CHAOS_DEBUG"] != nil {
                    let polls = await fake.state.polledOffsets.suffix(3).map { $0.map(String.init) ?? "nil" }
                    chaosPrint("settle: confirmed below \(confirmed), last update \(lastUpdate), polls \(polls), calls \(await fake.state.calls.suffix(4))")
                }
                return confirmed <= lastUpdate || !chaosIdle(directory) ? "\(monotonicSeconds())" : "\(messages.map { "\($0.messageId):\($0.text.count):\($0.buttons.count)" })"
            }, poke: {
                await press(1)
                guard daemon.isRunning else { throw BenchError("acpd exited by itself") }
            })
            if !settled { tally.violation(nil, "did not settle within 180 s") }
            for message in await fake.state.allMessages {
                chaosTrace("shown [\(message.chatId):\(message.threadId ?? 1) #\(message.messageId) e\(message.editCount)] \(message.text.prefix(100))")
            }
            let confirmed = await fake.state.confirmedBelow
            if confirmed <= lastUpdate {
                let polls = await fake.state.polledOffsets.suffix(5).map { $0.map(String.init) ?? "nil" }
                let calls = await fake.state.calls.suffix(8)
                tally.violation(nil, "updates up to \(lastUpdate) not all confirmed (below \(confirmed); last polls \(polls); last calls \(calls))")
            }
            let exitCode = await daemon.stop()
            let view = try ChaosStoreView(directory: directory)
            await chaosCommonChecks(view, daemon: daemon, exitCode: exitCode, tally: &tally)
            await check(view, sent: sent, spawned: spawned, watermarks: watermarks, fake: fake, tally: &tally)
            return tally
        }
        chaosFinishTrial(&tally, channel: "telegram", number: number, seed: seed, directory: directory, keep: environment.keep, started: started)
        return tally
    }

    /// Starts acpd (unless `alreadyStarted`) and waits until it polls.
    static func startAndWait(_ daemon: ChaosDaemon, _ fake: TelegramFakeServer, alreadyStarted: Bool = false) async throws {
        let before = await fake.state.polledOffsets.count
        if !alreadyStarted { try daemon.start() }
        try await benchWaitFor(30, "acpd polls again") {
            guard daemon.isRunning else { return false }
            return await fake.state.polledOffsets.count > before
        }
    }

    /// The newest message id in each chat once the killed acpd's last calls are in: a call it
    /// wrote just before the SIGKILL can still be in the fake's socket and create its message a
    /// moment later (seen: a final created right after a kill whose snapshot showed no message,
    /// then sent again by the restarted delivery, and counted as a violation).
    static func messagesAtKill(_ fake: TelegramFakeServer) async -> [Int64: Int64] {
        try? await Task.sleep(for: .milliseconds(150))
        return await lastMessages(fake)
    }

    /// The newest message id in each chat of the fake.
    static func lastMessages(_ fake: TelegramFakeServer) async -> [Int64: Int64] {
        var last: [Int64: Int64] = [:]
        for message in await fake.state.allMessages { last[message.chatId] = max(last[message.chatId] ?? 0, message.messageId) }
        return last
    }

    /// Copies of one message beyond the first that are the Bot API's known gap: Telegram has no
    /// idempotent send, so a message it created in the instant before a SIGKILL, before acpd
    /// recorded it, is sent again by the restarted delivery (docs/telegram.md, Known limits). The
    /// signature: the earlier copy is the newest message of its chat at a kill, the later one
    /// comes after it. Returns how many copies that explains; the rest are violations.
    static func repeatedAtKill(_ copies: [FakeMessage], watermarks: [[Int64: Int64]]) -> Int {
        let ordered = copies.sorted { $0.messageId < $1.messageId }
        return zip(ordered, ordered.dropFirst()).filter { first, second in
            watermarks.contains { $0[first.chatId] == first.messageId } && second.messageId > first.messageId
        }.count
    }

    static func check(_ view: ChaosStoreView, sent: [Sent], spawned: [Place], watermarks: [[Int64: Int64]], fake: TelegramFakeServer,
                      tally: inout ChaosTally) async {
        tally.runs = view.runs.count
        let messages = await fake.state.allMessages
        for item in sent {
            let runs = view.runs(containing: "marker \(item.marker) ")
            if runs.count > 1 { tally.violation(\.duplicateRuns, "\(item.marker) ran \(runs.count) times") }
            // A spawn fails when its agent is killed before it started (an agent kill can pick
            // it); the topic then stays unbound: the prompt sent with the spawn is excused, and
            // so is any later one there that was answered ACP_NOT_BOUND.
            let inTopic = messages.filter { Place(chat: $0.chatId, topic: $0.threadId ?? 1) == item.topic }
            let spawnFailed = spawned.contains(item.topic) && !inTopic.contains { $0.text.hasPrefix("OK: spawned") }
                && (item.afterSpawn || inTopic.contains { $0.text.hasPrefix("ERROR: ACP_NOT_BOUND") })
            if runs.isEmpty, !spawnFailed { tally.violation(\.lost, "\(item.marker) (topic \(item.topic)) never ran") }
            for run in runs where run.conversation?.conversationId != item.topic.id {
                tally.violation(\.misrouted, "\(item.marker): its run is in \(run.conversation?.canonical ?? "none"), not topic \(item.topic)")
            }
            let shown = messages.filter { $0.text.contains("marker \(item.marker) ") }
            let explained = repeatedAtKill(shown, watermarks: watermarks)
            tally.repeatedAtKill += explained
            if shown.count - explained > 1 {
                tally.violation(\.duplicateMessages, "\(item.marker) shown in \(shown.count) messages: \(shown.map { "#\($0.messageId) \($0.text)" })")
            }
            for message in shown where message.chatId != item.topic.chat || message.threadId != item.topic.topic {
                tally.violation(\.misrouted, "\(item.marker) shown in chat \(message.chatId) topic \(message.threadId.map(String.init) ?? "none"), not topic \(item.topic)")
            }
        }
        for topic in spawned {
            let replies = messages.filter { Place(chat: $0.chatId, topic: $0.threadId ?? 1) == topic && $0.text.hasPrefix("OK: spawned") }
            let explained = repeatedAtKill(replies, watermarks: watermarks)
            tally.repeatedAtKill += explained
            if replies.count - explained > 1 { tally.violation(\.duplicateMessages, "topic \(topic): the spawn answered \(replies.count) times") }
            if !replies.isEmpty, !view.activeBindings.contains(where: { $0.conversation.conversationId == topic.id }) {
                tally.violation(\.lostBindings, "topic \(topic): spawned and bound, no active binding left")
            }
        }
        // Every run a crash interrupted is told so exactly once, in its topic.
        var interrupted: [String: Int] = [:]
        for run in view.runs where run.errorMessage == "acpd restarted" {
            guard let id = run.conversation?.conversationId else { continue }
            interrupted[id, default: 0] += 1
        }
        func place(_ message: FakeMessage) -> String { Place(chat: message.chatId, topic: message.threadId ?? 1).id }
        for topic in Set(interrupted.keys).union(messages.map(place)) {
            let told = messages.filter { place($0) == topic && $0.text.contains("acpd restarted") }.count
            if told != interrupted[topic, default: 0] {
                tally.violation(\.unreported, "topic \(topic): \(interrupted[topic, default: 0]) runs interrupted by a crash, told \(told) times")
            }
        }
    }
}
