import ACPControlPlane
import Bindings
import ChatCore
import Foundation

/// N conversations each get one prompt at once (issue 5): every message goes through
/// `router.handle` concurrently, each starts its own session and demo agent (route binding,
/// `acp.maxConcurrentSessions: N`), and the bench waits until every run's final message was
/// delivered. Reports this process's RSS (the agents are separate processes, so excluded),
/// threads and file descriptors while all N agents are alive, and the time to complete.
///
/// `acpd-bench sessions [--sessions 1000] [--chunks 3] [--agent PATH]`
enum SessionsBench {
    static func run(_ arguments: [String]) async throws {
        let options = BenchOptions(arguments)
        let sessions = options.int("sessions", default: 1000)
        let chunks = options.int("chunks", default: 3)
        let agent = try RouterBench.demoAgentPath(options)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-sessions-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let stack = try await RouterStack(dir: dir, agent: agent, coalesceIdleMs: 350, maxSessions: sessions)
        let idle = ProcessStats.current()
        print("sessions: \(sessions) conversations, one prompt each at once (\(chunks) chunks), demo agent; release build, in process")
        print("  before: \(idle)")

        let sampler = Task {
            var peak = ProcessStats()
            while !Task.isCancelled {
                let now = ProcessStats.current()
                peak.threads = max(peak.threads, now.threads)
                peak.fds = max(peak.fds, now.fds)
                peak.rssKiB = max(peak.rssKiB, now.rssKiB)
                try? await Task.sleep(for: .milliseconds(100))
            }
            return peak
        }
        let start = monotonicSeconds()
        let failures = Counter()
        let runs: [RunID] = await withTaskGroup(of: RunID?.self) { group in
            for index in 0..<sessions {
                group.addTask {
                    let outcome = await stack.router.handle(
                        stack.message("hello \(index) [chunks=\(chunks)]", conversation: "s\(index)", key: "s\(index)"),
                        channel: stack.channel)
                    if outcome.runId == nil { _ = failures.next() }
                    return outcome.runId
                }
            }
            var ids: [RunID] = []
            for await id in group { if let id { ids.append(id) } }
            return ids
        }
        let queued = monotonicSeconds() - start
        await withTaskGroup(of: Void.self) { group in
            for run in runs { group.addTask { await stack.probe.waitForFinal(run) } }
        }
        let elapsed = monotonicSeconds() - start
        sampler.cancel()
        let peak = await sampler.value
        let after = ProcessStats.current()
        let failed = failures.next() - 1
        print(String(format: "  %d runs queued in %.2f s; all %d final messages delivered after %.2f s (%d messages started no run)",
                     runs.count, queued, runs.count, elapsed, failed))
        print("  all turns done, \(sessions) agents alive: \(after)")
        print(String(format: "  peak while running (100 ms samples): RSS %.1f MiB, %d threads, %d fds; VmHWM %.1f MiB",
                     Double(peak.rssKiB) / 1024, peak.threads, peak.fds, Double(after.peakKiB) / 1024))
        let stopStart = monotonicSeconds()
        await stack.shutdown()
        print(String(format: "  shutdown (every agent stopped) in %.2f s; %@", monotonicSeconds() - stopStart, ProcessStats.current().description))
    }
}
