import Foundation
import JSONKit
import TelegramFake

/// Ten topics of one forum supergroup streaming at once through `acpd run`, against the fake Bot
/// API enforcing Telegram's real flood limits (one call per second per chat, 20 per minute per
/// group; a call over a limit is answered 429 `retry_after`, and a call before the wait passed is
/// counted as ignoring it). Each topic gets one prompt at the same moment; the demo agent answers
/// in `--chunks` chunks `--delay` ms apart. Reports, per run, the time to first visible output and
/// to the final text, the Bot API calls per run, the 429s and ignored `retry_after`s, and whether
/// every final text arrived exactly once.
///
/// `acpd-bench telegram [--topics 10] [--chunks 20] [--delay 250]` (needs `acpd` and
/// `acpd-demo-agent` built beside it: `swift build -c release --scratch-path .build-release`).
enum TelegramBench {
    static let token = "123456:BENCH-token"
    static let forum: Int64 = -1_001_000_000_001
    /// The first sender: topic i's prompt comes from user `firstUser + i` (each an owner), as a
    /// team works, so no sender's rate limit is in play.
    static let firstUser: Int64 = 1000

    static func run(_ arguments: [String]) async throws {
        let options = BenchOptions(arguments)
        let topics = (0..<options.int("topics", default: 10)).map { Int64(100 + $0) }
        let chunks = options.int("chunks", default: 20)
        let delay = options.int("delay", default: 250)
        let agent = try RouterBench.demoAgentPath(options)
        let acpd = productsDir.appendingPathComponent("acpd").path
        guard FileManager.default.isExecutableFile(atPath: acpd) else {
            throw BenchError("acpd not found at \(acpd): swift build -c release --scratch-path .build-release")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-telegram-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("workspace"), withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["ACPD_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(at: dir) } }

        try await TelegramFakeServer.with(token: token) { fake in
            await fake.state.addForum(forum, topics: Set(topics))
            await fake.state.enforceFloodLimits()
            let bindings = topics.map { topic in
                "  - { type: acp, agentId: demo, match: { channel: telegram, peer: { kind: group, id: \"\(forum):topic:\(topic)\" } } }"
            }.joined(separator: "\n")
            let config = """
                stateDir: ./state
                acp: { defaultAgent: demo, maxConcurrentSessions: \(topics.count + 2) }
                agents:
                  demo: { command: ["\(agent)"], cwd: ./workspace }
                bindings:
                \(bindings)
                channels:
                  telegram:
                    accounts:
                      default: { botToken: "\(token)", apiRoot: "\(fake.apiRoot)", pollTimeoutSeconds: 10 }
                access:
                  owners: [\(topics.indices.map { "\"telegram:\(firstUser + Int64($0))\"" }.joined(separator: ", "))]
                api: { listen: "127.0.0.1:\(try benchFreePort())" }
                """
            let (daemon, log) = try benchStartDaemon(acpd, config: config, in: dir)
            defer { if daemon.isRunning { daemon.terminate() } }
            // Polling has started once the bot set its command menu.
            try await benchWaitFor(30, "acpd polls") { await !fake.state.menuCommands.isEmpty }

            print("telegram: \(topics.count) topics of one forum, one prompt each at once; the demo agent answers in \(chunks) chunks \(delay) ms apart")
            print("  fake Bot API limits: 1 call/s per chat, 20 calls/min per group (429 retry_after like Telegram)")
            let words = (1...chunks).map { "word\($0)" }.joined(separator: " ")
            let start = monotonicSeconds()
            var expected: [Int64: String] = [:]
            for (index, topic) in topics.enumerated() {
                let prompt = "topic \(topic) \(words) [chunks=\(chunks)] [delay=\(delay)]"
                expected[topic] = "echo: \(prompt)"
                await fake.state.enqueueText(prompt, chat: forum, from: firstUser + Int64(index), topic: topic)
            }
            var firstSeen: [Int64: Double] = [:]
            var finalSeen: [Int64: Double] = [:]
            let deadline = start + 600
            while finalSeen.count < topics.count, monotonicSeconds() < deadline {
                for topic in topics where finalSeen[topic] == nil {
                    let messages = await fake.state.messages(chat: forum, thread: topic)
                    if firstSeen[topic] == nil, !messages.isEmpty { firstSeen[topic] = monotonicSeconds() - start }
                    if let text = expected[topic], messages.contains(where: { $0.text.contains(text) }) {
                        finalSeen[topic] = monotonicSeconds() - start
                    }
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            // Let delivery settle, then count what reached Telegram.
            try await Task.sleep(for: .seconds(3))
            daemon.terminate()
            daemon.waitUntilExit()
            let report = await fake.state.floodReport
            let calls = await fake.state.calls
            let sends = calls.filter { $0 == "sendMessage" }.count
            let edits = calls.filter { $0 == "editMessageText" }.count
            var finalsOnce = 0
            for topic in topics {
                let messages = await fake.state.messages(chat: forum, thread: topic)
                if let text = expected[topic], messages.filter({ $0.text.contains(text) }).count == 1 { finalsOnce += 1 }
            }
            let first = firstSeen.values.sorted()
            let final = finalSeen.values.sorted()
            func row(_ name: String, _ values: [Double]) -> String {
                String(format: "  %@ p50 %.1f s, max %.1f s (of %d)", name, percentile(values, 50), values.last ?? .nan, values.count)
            }
            print(row("time to first visible output:", first))
            print(row("time to final text:          ", final))
            print(String(format: "  Bot API calls: %d sendMessage + %d editMessageText = %.1f per run (the agent streamed %d chunks per run)",
                         sends, edits, Double(sends + edits) / Double(topics.count), chunks))
            print("  429 answers: \(report.rateLimited); calls before a retry_after passed: \(report.ignoredRetryAfter); admitted: \(report.admitted)")
            print("  final text delivered exactly once: \(finalsOnce) of \(topics.count)")
            if finalsOnce < topics.count || report.ignoredRetryAfter > 0 {
                throw BenchError("not every final arrived exactly once, or a retry_after was ignored (log: \(log.path))")
            }
        }
    }
}
