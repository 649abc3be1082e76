import DiscordFake
import Foundation

/// A resource soak: one `acpd run` against the fake Discord for `--seconds`, with mixed traffic on
/// `--conversations` conversations (a route-bound channel and its threads, each its own session):
/// a prompt every `--gap` ms into a random conversation (streamed in a few chunks), `/new` every
/// 5 s, a demo agent SIGKILLed every 10 s, and more sessions than `acp.maxConcurrentSessions`, so
/// idle runtimes are evicted and started again all the time. Every `--sample` seconds it records
/// acpd's RSS, open descriptors and threads, the store's size (database + WAL) and the runs
/// answered. After a warm-up (the first quarter) RSS, descriptors and threads must stay flat:
/// over the last half, RSS may grow at most `--max-slope` bytes per answered run (the
/// least-squares slope of RSS against runs answered; 100 by default, well above the sampling
/// noise of a 30-minute soak and an eighth of the 800 bytes a run that acpd leaked before its
/// watchdogs stopped cancelling sleeps), and the last half's peaks stay within 5% (RSS) /
/// +16 descriptors / +4 threads of the peaks between warm-up and half-time.
///
/// `acpd-bench soak [--seconds 1800] [--conversations 50] [--gap 100] [--sample 10] [--live 20] [--max-slope 100]`
enum SoakBench {
    static let token = "discord-soak-token"
    static let owner = "222222222222222222"

    struct Sample {
        var at: Double
        var rssKB: Int
        var fds: Int
        var threads: Int
        var storeBytes: Int
        var answered: Int
    }

    static func run(_ arguments: [String]) async throws {
        let options = BenchOptions(arguments)
        let seconds = Double(options.int("seconds", default: 1800))
        let conversations = max(2, options.int("conversations", default: 50))
        let gap = options.int("gap", default: 100)
        let every = Double(options.int("sample", default: 10))
        let live = options.int("live", default: 20)
        let maxSlope = Double(options.int("max-slope", default: 100))
        let agent = try RouterBench.demoAgentPath(options)
        let acpd = productsDir.appendingPathComponent("acpd").path
        guard FileManager.default.isExecutableFile(atPath: acpd) else { throw BenchError("acpd not found at \(acpd)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-soak-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace"), withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["ACPD_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(at: directory) } }
        try await DiscordFakeServer.with(token: token) { fake in
            var random = ChaosRandom(seed: 18)
            await fake.state.setBuckets(limit: 1000, window: .seconds(1))
            let general = fake.state.generalChannel
            var places = [general]
            for index in 1..<conversations { places.append(await fake.state.addThread(in: general, name: "soak \(index)")) }
            let config = """
                stateDir: ./state
                acp: { defaultAgent: demo, maxConcurrentSessions: \(live) }
                agents:
                  demo: { command: ["\(agent)", "--state-dir", "\(directory.path)/demo"], cwd: ./workspace }
                bindings:
                  - { type: route, agentId: demo, match: { channel: discord, peer: { kind: channel, id: "\(general)" } } }
                channels:
                  discord:
                    accounts:
                      default: { botToken: "\(token)", apiBase: "\(fake.apiBase)", applicationId: "\(fake.state.applicationId)" }
                access:
                  owners: ["discord:\(owner)"]
                  rateLimit: { perMinute: 100000, burst: 100000 }
                api: { listen: "127.0.0.1:\(try benchFreePort())" }
                """
            try config.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
            let daemon = try ChaosDaemon(acpd: acpd, directory: directory)
            defer { daemon.kill() }
            try await ChaosDiscord.startAndWait(daemon, fake)
            guard let pid = daemon.process?.processIdentifier else { throw BenchError("acpd did not start") }
            chaosPrint("soak: \(Int(seconds)) s, \(conversations) conversations (route-bound channel + threads), a prompt every \(gap) ms, "
                       + "/new every 5 s, an agent SIGKILLed every 10 s, at most \(live) live runtimes")
            let start = monotonicSeconds()
            var samples: [Sample] = []
            var sent = 0, kills = 0, resets = 0
            var nextSample = start, nextNew = start + 5, nextKill = start + 10
            while monotonicSeconds() - start < seconds {
                guard daemon.isRunning else { throw BenchError("acpd exited during the soak (log: \(directory.path)/acpd.log)") }
                let now = monotonicSeconds()
                if now >= nextSample {
                    let answered = await fake.state.botMessages.filter { $0.content.hasPrefix("echo: soak") }.count
                    samples.append(Sample(at: now - start, rssKB: status(pid, "VmRSS"), fds: descriptors(pid), threads: status(pid, "Threads"),
                                          storeBytes: storeBytes(directory), answered: answered))
                    let last = samples[samples.count - 1]
                    chaosPrint(String(format: "  %5.0f s  RSS %6.1f MB  fds %4d  threads %3d  store %6.1f MB  answered %d of %d",
                                      last.at, Double(last.rssKB) / 1024, last.fds, last.threads, Double(last.storeBytes) / 1_048_576,
                                      last.answered, sent))
                    nextSample += every
                }
                if now >= nextNew {
                    await fake.state.postMessage("/new", in: random.pick(places), from: owner)
                    resets += 1
                    nextNew += 5
                }
                if now >= nextKill {
                    let agents = daemon.agentProcesses()
                    if !agents.isEmpty {
                        kill(random.pick(agents), SIGKILL)
                        kills += 1
                    }
                    nextKill += 10
                }
                sent += 1
                await fake.state.postMessage("soak \(sent) [chunks=\(Int.random(in: 1...4, using: &random))] [delay=\(random.pick([0, 10, 30]))]",
                                             in: random.pick(places), from: owner)
                try await Task.sleep(for: .milliseconds(gap))
            }
            let exit = await daemon.stop(within: 60)
            chaosPrint("  sent \(sent) prompts, \(resets) /new, \(kills) agent SIGKILLs; acpd exited \(exit.map(String.init) ?? "only when killed") on SIGTERM")
            try verdict(samples, maxSlope: maxSlope)
        }
    }

    /// Flat after warm-up: RSS's slope over the last half (bytes per answered run) at most
    /// `maxSlope`, and the last half's peaks against the peaks between warm-up and half-time.
    static func verdict(_ samples: [Sample], maxSlope: Double) throws {
        guard samples.count >= 8 else { throw BenchError("too few samples for a verdict (\(samples.count)); run longer") }
        let warm = samples.count / 4, half = samples.count / 2
        let before = samples[warm..<half], after = samples[half...]
        let rss = (before.map(\.rssKB).max()!, after.map(\.rssKB).max()!)
        let fds = (before.map(\.fds).max()!, after.map(\.fds).max()!)
        let threads = (before.map(\.threads).max()!, after.map(\.threads).max()!)
        let store = (samples[warm].storeBytes, samples[samples.count - 1].storeBytes)
        let answered = (samples[warm].answered, samples[samples.count - 1].answered)
        let perRun = answered.1 > answered.0 ? Double(store.1 - store.0) / Double(answered.1 - answered.0) : 0
        chaosPrint(String(format: "  after warm-up, peak before → after half-time: RSS %.1f → %.1f MB, fds %d → %d, threads %d → %d",
                          Double(rss.0) / 1024, Double(rss.1) / 1024, fds.0, fds.1, threads.0, threads.1))
        let slopes = (rssSlope(samples[warm...]), rssSlope(after))
        chaosPrint(String(format: "  RSS after warm-up: %.1f → %.1f MB; slope %.0f bytes per answered run after warm-up, %.0f over the last half (at most %.0f)",
                          Double(samples[warm].rssKB) / 1024, Double(samples[samples.count - 1].rssKB) / 1024, slopes.0, slopes.1, maxSlope))
        chaosPrint(String(format: "  store: %.1f → %.1f MB (%.0f bytes per answered run: history kept until store.retention prunes it)",
                          Double(store.0) / 1_048_576, Double(store.1) / 1_048_576, perRun))
        var growth: [String] = []
        if slopes.1 > maxSlope { growth.append(String(format: "RSS (%.0f bytes per answered run over the last half)", slopes.1)) }
        if Double(rss.1) > Double(rss.0) * 1.05 { growth.append("RSS peak (more than 5%)") }
        if fds.1 > fds.0 + 16 { growth.append("descriptors") }
        if threads.1 > threads.0 + 4 { growth.append("threads") }
        guard growth.isEmpty else { throw BenchError("not flat after warm-up: \(growth.joined(separator: ", ")) grew") }
        chaosPrint("  flat after warm-up: yes")
    }

    /// The least-squares slope of RSS (bytes) against runs answered, over `samples`; 0 when no run was answered meanwhile.
    static func rssSlope(_ samples: ArraySlice<Sample>) -> Double {
        let runs = samples.map { Double($0.answered) }, bytes = samples.map { Double($0.rssKB) * 1024 }
        let meanRuns = runs.reduce(0, +) / Double(runs.count), meanBytes = bytes.reduce(0, +) / Double(bytes.count)
        let spread = runs.reduce(0) { $0 + ($1 - meanRuns) * ($1 - meanRuns) }
        guard spread > 0 else { return 0 }
        return zip(runs, bytes).reduce(0) { $0 + ($1.0 - meanRuns) * ($1.1 - meanBytes) } / spread
    }

    /// A `/proc/<pid>/status` field in its unit (kB for VmRSS), 0 when unreadable.
    static func status(_ pid: Int32, _ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let words = line.split { $0 == " " || $0 == "\t" }
            return words.count > 1 ? Int(words[1]) ?? 0 : 0
        }
        return 0
    }

    static func descriptors(_ pid: Int32) -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0 }

    static func storeBytes(_ directory: URL) -> Int {
        ["acpd.sqlite", "acpd.sqlite-wal"].reduce(0) { total, name in
            let path = directory.appendingPathComponent("state/\(name)").path
            return total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
    }
}
