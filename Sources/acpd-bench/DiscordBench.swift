import DiscordFake
import Foundation

/// Ten threads of one Discord channel streaming at once through `acpd run`, against the fake
/// Discord enforcing per-route rate-limit buckets (`X-RateLimit-*` headers; a request on an
/// empty bucket is answered 429 and counted). A route binding of the channel gives each thread a
/// session of its own. Each thread gets one prompt at the same moment; the demo agent answers in
/// `--chunks` chunks `--delay` ms apart. Reports, per run, the time to first visible output and
/// to the final text, the REST calls per run, the requests that met an empty bucket (a client
/// that reads the headers sends none), and whether every final text arrived exactly once.
///
/// `acpd-bench discord [--threads 10] [--chunks 20] [--delay 250] [--bucket 5] [--window 5]`
/// (needs `acpd` and `acpd-demo-agent` built beside it).
enum DiscordBench {
    static let token = "discord-bench-token"
    static let owner = "222222222222222222"

    static func run(_ arguments: [String]) async throws {
        let options = BenchOptions(arguments)
        let threadCount = options.int("threads", default: 10)
        let chunks = options.int("chunks", default: 20)
        let delay = options.int("delay", default: 250)
        let bucket = options.int("bucket", default: 5)
        let window = options.int("window", default: 5)
        let agent = try RouterBench.demoAgentPath(options)
        let acpd = productsDir.appendingPathComponent("acpd").path
        guard FileManager.default.isExecutableFile(atPath: acpd) else {
            throw BenchError("acpd not found at \(acpd): swift build -c release --scratch-path .build-release")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-discord-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("workspace"), withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["ACPD_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(at: dir) } }

        try await DiscordFakeServer.with(token: token) { fake in
            await fake.state.setBuckets(limit: bucket, window: .seconds(window))
            let channel = fake.state.generalChannel
            var threads: [String] = []
            for index in 0..<threadCount { threads.append(await fake.state.addThread(in: channel, name: "task \(index)")) }
            let config = """
                stateDir: ./state
                acp: { defaultAgent: demo, maxConcurrentSessions: \(threadCount + 2) }
                agents:
                  demo: { command: ["\(agent)"], cwd: ./workspace }
                bindings:
                  - { type: route, agentId: demo, match: { channel: discord, peer: { kind: channel, id: "\(channel)" } } }
                channels:
                  discord:
                    accounts:
                      default: { botToken: "\(token)", apiBase: "\(fake.apiBase)" }
                access:
                  owners: ["discord:\(owner)"]
                  rateLimit: { perMinute: 600, burst: 100 }
                api: { listen: "127.0.0.1:\(try benchFreePort())" }
                """
            let (daemon, log) = try benchStartDaemon(acpd, config: config, in: dir)
            defer { if daemon.isRunning { daemon.terminate() } }
            try await benchWaitFor(30, "the gateway connects") { await fake.state.isConnected }

            print("discord: \(threadCount) threads of one channel, one prompt each at once; the demo agent answers in \(chunks) chunks \(delay) ms apart")
            print("  fake Discord buckets: \(bucket) requests per \(window) s per route and channel (429 on an empty bucket)")
            let words = (1...chunks).map { "word\($0)" }.joined(separator: " ")
            let start = monotonicSeconds()
            var expected: [String: String] = [:]
            for (index, thread) in threads.enumerated() {
                let prompt = "thread \(index) \(words) [chunks=\(chunks)] [delay=\(delay)]"
                expected[thread] = "echo: \(prompt)"
                await fake.state.postMessage(prompt, in: thread, from: owner)
            }
            var firstSeen: [String: Double] = [:]
            var finalSeen: [String: Double] = [:]
            let bot = fake.state.botUserId
            let deadline = start + 600
            while finalSeen.count < threads.count, monotonicSeconds() < deadline {
                for thread in threads where finalSeen[thread] == nil {
                    let messages = await fake.state.messages(in: thread).filter { $0.authorId == bot }
                    if firstSeen[thread] == nil, !messages.isEmpty { firstSeen[thread] = monotonicSeconds() - start }
                    if let text = expected[thread], messages.contains(where: { $0.content.contains(text) }) {
                        finalSeen[thread] = monotonicSeconds() - start
                    }
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            // Let delivery settle, then count what reached Discord.
            try await Task.sleep(for: .seconds(3))
            daemon.terminate()
            daemon.waitUntilExit()
            let requests = await fake.state.requests
            let creates = requests.filter { $0.hasPrefix("POST /channels/") && $0.hasSuffix("/messages") }.count
            let edits = requests.filter { $0.hasPrefix("PATCH /channels/") }.count
            let exhausted = await fake.state.requestsWhileExhausted
            var finalsOnce = 0
            for thread in threads {
                let messages = await fake.state.messages(in: thread).filter { $0.authorId == bot }
                if let text = expected[thread], messages.filter({ $0.content.contains(text) }).count == 1 { finalsOnce += 1 }
            }
            let first = firstSeen.values.sorted()
            let final = finalSeen.values.sorted()
            func row(_ name: String, _ values: [Double]) -> String {
                String(format: "  %@ p50 %.2f s, max %.2f s (of %d)", name, percentile(values, 50), values.last ?? .nan, values.count)
            }
            print(row("time to first visible output:", first))
            print(row("time to final text:          ", final))
            print(String(format: "  REST calls: %d message creates + %d edits = %.1f per run (the agent streamed %d chunks per run)",
                         creates, edits, Double(creates + edits) / Double(threads.count), chunks))
            print("  requests on an empty bucket (429): \(exhausted.count)")
            print("  final text delivered exactly once: \(finalsOnce) of \(threads.count)")
            if finalsOnce < threads.count || !exhausted.isEmpty {
                throw BenchError("not every final arrived exactly once, or a request met an empty bucket (log: \(log.path))")
            }
        }
    }
}
