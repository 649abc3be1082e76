import ACPControlPlane
import Foundation
import RuntimeBackends
import Synchronization

/// One noisy agent against everyone else (issue 14), over the parts `acpd run` assembles
/// (`RouterStack`, default `coalesceIdleMs: 350`): conversation "flood" sends `--turns` prompts
/// one after another, each answered in `--chunks` chunks (`[chunks=N]` of the demo agent, an
/// answer of 4 bytes per chunk), while conversation "probe" sends short prompts one at a time
/// (`[chunks=3]`); each probe message is timed from the channel's `submit` to its run's final
/// message. The same probe runs first without the flood (quiet). Reports the probe's latency
/// quiet and under the flood, the flood's chunks per second, and this process's CPU time.
///
/// `acpd-bench flood [--turns 10] [--chunks 10000] [--big BYTES] [--quiet-messages 200] [--settle S] [--agent PATH]`
/// (`--big BYTES`: each flood turn is instead one agent line of that many bytes, `[big=N]`;
/// `--settle S`: then wait S seconds, 30 by default with `--big`, and report the process's memory)
enum FloodBench {
    static func run(_ arguments: [String]) async throws {
        MemoryTrim.mapBigAllocations()  // as `acpd run` does
        let options = BenchOptions(arguments)
        let turns = options.int("turns", default: 10)
        let chunks = options.int("chunks", default: 10_000)
        let quietMessages = options.int("quiet-messages", default: 200)
        let big = options.int("big", default: 0)
        let agent = try RouterBench.demoAgentPath(options)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-flood-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let stack = try await RouterStack(dir: dir, agent: agent, coalesceIdleMs: 350, maxSessions: 16)
        print("flood: \(turns) turns × [chunks=\(chunks)] in one conversation while another posts one message at a time; "
              + "release build, in process, coalesceIdleMs 350")

        // Warm both sessions up (agent started), then the quiet probe.
        _ = try await probe(stack, conversation: "flood", index: -1, text: "[chunks=3] warm")
        let floodAgents = Set(ChaosDaemon.agentProcesses(of: dir.path))
        // ACPD_BENCH_NICE_FLOOD=1: the flood's agent (the only child so far) at nice 19, to tell the
        // competition of that process for the cores from acpd's own work (docs/benchmarks.md).
        if ProcessInfo.processInfo.environment["ACPD_BENCH_NICE_FLOOD"] == "1" {
            for pid in floodAgents { renice(pid, 19) }
        }
        for index in 0..<10 { _ = try await probe(stack, conversation: "probe", index: -1 - index, text: "[chunks=3] warm \(index)") }
        // ACPD_BENCH_BOOST_PROBE=N: the probe's agent at nice N (negative: ahead of acpd's threads; root only).
        if let boost = ProcessInfo.processInfo.environment["ACPD_BENCH_BOOST_PROBE"].flatMap(Int32.init) {
            for pid in Set(ChaosDaemon.agentProcesses(of: dir.path)).subtracting(floodAgents) { renice(pid, boost) }
        }
        var quiet: [Double] = []
        for index in 0..<quietMessages { quiet.append(try await probe(stack, conversation: "probe", index: index, text: "[chunks=3] quiet \(index)")) }

        let floodText = big > 0 ? "[big=\(big)]" : "[chunks=\(chunks)] " + String(repeating: "abc ", count: chunks)
        let quietTurns = toTurn.withLock { turns in defer { turns = [] }; return turns }
        let quietSplits = splits.withLock { all in defer { all = ([], []) }; return all }
        let quietAgent = agentSplits.withLock { all in defer { all = ([], [], []) }; return all }
        let beforeFlood = ProcessStats.current()
        let cpuBefore = cpuSeconds()
        let lag = LoopLag()
        lag.start()
        let floodStart = monotonicSeconds()
        let done = Atomic<Bool>(false)
        let flood = Task {
            defer { done.store(true, ordering: .releasing) }
            for turn in 0..<turns { _ = try await probe(stack, conversation: "flood", index: turn, text: floodText) }
            return monotonicSeconds() - floodStart
        }
        var loaded: [Double] = []
        var index = quietMessages
        while !done.load(ordering: .acquiring) {
            loaded.append(try await probe(stack, conversation: "probe", index: index, text: "[chunks=3] loaded \(index)"))
            index += 1
        }
        let floodSeconds = try await flood.value
        let loopLags = lag.stop()
        let cpu = cpuSeconds() - cpuBefore
        let afterFlood = ProcessStats.current()
        let settle = options.int("settle", default: big > 0 ? 30 : 0)
        if settle > 0 { try await Task.sleep(for: .seconds(settle)) }
        let settled = ProcessStats.current()
        await stack.shutdown()
        print("    probe inbound → final: \(quiet.count) messages quiet, \(loaded.count) under the flood")
        RouterBench.report("probe, quiet", quiet)
        RouterBench.report("probe, under the flood", loaded)
        RouterBench.report("  of which inbound → runTurn, quiet", Array(quietTurns.suffix(quiet.count)))
        RouterBench.report("  of which inbound → runTurn, flood", toTurn.withLock { $0 })
        let floodSplits = splits.withLock { $0 }
        RouterBench.report("  runTurn → turn's stream ended, quiet", Array(quietSplits.agent.suffix(quiet.count)))
        RouterBench.report("  runTurn → turn's stream ended, flood", floodSplits.agent)
        let floodAgent = agentSplits.withLock { $0 }
        for (name, quietValues, floodValues) in [("runTurn → prompt written", quietAgent.write, floodAgent.write),
                                                 ("prompt written → first text", quietAgent.firstText, floodAgent.firstText),
                                                 ("first text → stream ended", quietAgent.rest, floodAgent.rest)] {
            RouterBench.report("    \(name), quiet", Array(quietValues.suffix(quiet.count)))
            RouterBench.report("    \(name), flood", floodValues)
        }
        RouterBench.report("  stream ended → final delivered, quiet", Array(quietSplits.delivery.suffix(quiet.count)))
        RouterBench.report("  stream ended → final delivered, flood", floodSplits.delivery)
        for (index, lags) in loopLags.enumerated() {
            RouterBench.report("  event loop \(index) lag (1 ms timer)", lags.map { $0 / 1000 })
        }
        if big > 0 {
            print(String(format: "    flood: %d lines of %d bytes in %.2f s; this process used %.2f s CPU meanwhile; ",
                         turns, big, floodSeconds, cpu) + "right after: \(afterFlood)")
        } else {
            print(String(format: "    flood: %d chunks in %.2f s = %.0f chunks/s; this process used %.2f s CPU (%.2f cores) meanwhile",
                         turns * chunks, floodSeconds, Double(turns * chunks) / floodSeconds, cpu, cpu / floodSeconds))
        }
        if settle > 0 { print("    before the flood: \(beforeFlood); \(settle) s after it: \(settled)") }
    }

    /// Inbound → `runTurn` of the probe's messages, in order.
    static let toTurn = Mutex<[Double]>([])
    /// The probe's runs after `runTurn`: to the end of the turn's stream (the agent and the reading
    /// of its answer), and from there to the final message at the channel (recording, commit,
    /// delivery).
    static let splits = Mutex<(agent: [Double], delivery: [Double])>(([], []))
    /// The probe's runs under the flood: `runTurn` → `session/prompt` written, → first output text
    /// from the agent, → the turn's stream ended.
    static let agentSplits = Mutex<(write: [Double], firstText: [Double], rest: [Double])>(([], [], []))

    /// Sends one message and waits for its run's final message; returns the seconds it took.
    static func probe(_ stack: RouterStack, conversation: String, index: Int, text: String) async throws -> Double {
        let message = stack.message(text, conversation: conversation, key: "\(conversation)-\(index)")
        let start = monotonicSeconds()
        guard let runId = (await stack.channel.submit(message) ?? .ignored).runId else {
            throw BenchError("\(conversation) message \(index) started no run")
        }
        await stack.probe.waitForFinal(runId)
        let elapsed = monotonicSeconds() - start
        if let timeline = stack.probe.take(runId), let turn = timeline.turnStarted, conversation == "probe" {
            toTurn.withLock { $0.append(turn - start) }
            if let ended = timeline.streamEnded, let final = timeline.finalDelivered {
                splits.withLock { $0.agent.append(ended - turn); $0.delivery.append(final - ended) }
            }
            if let written = timeline.promptWritten, let first = timeline.firstChunk, let ended = timeline.streamEnded {
                agentSplits.withLock { $0.write.append(written - turn); $0.firstText.append(first - written); $0.rest.append(ended - first) }
            }
        }
        return elapsed
    }

    /// Sets the nice value of every thread of `pid` (on Linux a thread is scheduled on its own).
    static func renice(_ pid: Int32, _ value: Int32) {
        for task in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] {
            if let tid = Int32(task) { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid), value) }
        }
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
