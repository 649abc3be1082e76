import ACPControlPlane
import StoreSeeding
import Foundation
import Synchronization

/// Control-plane store benchmarks: event append throughput, start-up recovery time on a big
/// store, memory per idle session actor.
///
/// `acpd-bench store [--case append|live|prune|recovery|memory|all] [--events N] [--batch N] [--sessions N]
/// [--events-per-session N] [--producers N] [--dir PATH]`
///
/// `live`: the session actors' path — `--producers` runs (default 10) each queue `--events`/N
/// text events at once through the group commit (`enqueueEvent`); events/s and transactions.
/// `prune`: a store of `--sessions` × `--events-per-session` events, all 100 days old and
/// delivered, pruned by one `StorePruner` pass with the default retention; time, file size
/// before and after.
enum StoreBench {
    static func run(arguments: [String]) async throws {
        let options = Options(arguments)
        let which = options.string("case", "all")
        let root = URL(fileURLWithPath: options.string("dir", NSTemporaryDirectory()))
            .appendingPathComponent("acpd-store-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        if which == "append" || which == "all" {
            try append(dir: root.appendingPathComponent("append"), events: options.int("events", 500_000), batch: options.int("batch", 500))
        }
        if which == "live" || which == "all" {
            try await live(dir: root.appendingPathComponent("live"), events: options.int("events", 500_000),
                           producers: options.int("producers", 10))
        }
        if which == "prune" {
            try prune(dir: root.appendingPathComponent("prune"), sessions: options.int("sessions", 10_000),
                      eventsPerSession: options.int("events-per-session", 100))
        }
        if which == "recovery" || which == "memory" || which == "all" {
            let dir = root.appendingPathComponent("big")
            let sessions = options.int("sessions", 10_000)
            let perSession = options.int("events-per-session", 100)
            try seed(dir: dir, sessions: sessions, eventsPerSession: perSession)
            if which != "memory" { try await recovery(dir: dir, sessions: sessions, events: sessions * perSession) }
            if which != "recovery" { try await memory(dir: dir, sessions: sessions) }
        }
    }

    // MARK: Append

    static func append(dir: URL, events: Int, batch: Int) throws {
        let store = try ControlPlaneStore.open(stateDir: dir, integrity: .none)
        let runs = 10
        var keys: [(SessionKey, RunID)] = []
        for index in 0..<runs {
            let key = SessionKey("agent:demo:acp:append-\(index)")!
            keys.append((key, try store.insertSessionWithRunningRun(key, conversation: ConversationRef(channel: .http, conversationId: "c\(index)"))))
        }
        let text = "a chunk of agent output, about sixty bytes long, like a delta"
        let texts = Array(repeating: text, count: batch)
        var nextSeq = Array(repeating: Int64(1), count: runs)
        let start = monotonic()
        var written = 0
        var round = 0
        while written < events {
            let slot = round % runs
            let count = min(batch, events - written)
            try store.appendText(session: keys[slot].0, run: keys[slot].1, firstSeq: nextSeq[slot], texts: Array(texts.prefix(count)))
            nextSeq[slot] += Int64(count)
            written += count
            round += 1
        }
        let batched = monotonic() - start
        // The live path: one transaction per event.
        let singles = min(20_000, events)
        let singleStart = monotonic()
        for index in 0..<singles {
            try store.appendText(session: keys[0].0, run: keys[0].1, firstSeq: nextSeq[0] + Int64(index), texts: [text])
        }
        let single = monotonic() - singleStart
        print("append: \(written) events in batches of \(batch): \(fmt(batched)) s = \(Int(Double(written) / batched)) events/s")
        print("append: \(singles) events one per transaction: \(fmt(single)) s = \(Int(Double(singles) / single)) events/s")
        try store.close()
    }

    // MARK: Live path (group commit)

    /// Counts what the group commit hands over.
    final class CountingSink: EventAppendSink {
        let counts = Mutex((events: 0, commits: 0, failures: 0))
        func committed(_ events: [ControlPlaneEvent]) { counts.withLock { $0.events += events.count; $0.commits += 1 } }
        func appendFailed(_ event: EventLog.Pending, error: any Error) { counts.withLock { $0.failures += 1 } }
    }

    static func live(dir: URL, events: Int, producers: Int) async throws {
        let store = try ControlPlaneStore.open(stateDir: dir, integrity: .none)
        let runs = try (0..<producers).map { index in
            let key = SessionKey("agent:demo:acp:live-\(index)")!
            return (key, try store.insertSessionWithRunningRun(key, conversation: ConversationRef(channel: .http, conversationId: "c\(index)")))
        }
        let sink = CountingSink()
        let perRun = events / producers
        let text = "a chunk of agent output, about sixty bytes long, like a delta"
        let start = monotonic()
        await withTaskGroup(of: Void.self) { group in
            for (key, run) in runs {
                group.addTask {
                    for seq in 1...perRun {
                        store.enqueueEvent(EventLog.Pending(sessionKey: key, runId: run, seq: Int64(seq),
                                                            payload: .text(TextDelta(stream: .output, text: text, messageId: "m1"))),
                                           conversation: nil, at: 1, sink: sink)
                    }
                }
            }
        }
        let queued = monotonic() - start
        while sink.counts.withLock({ $0.events + $0.failures }) < perRun * producers { usleep(1000) }
        let elapsed = monotonic() - start
        let counts = sink.counts.withLock { $0 }
        print("live: \(counts.events) events from \(producers) runs at once through the group commit: \(fmt(elapsed)) s = "
              + "\(Int(Double(counts.events) / elapsed)) events/s committed and published, in \(counts.commits) transactions "
              + "(~\(counts.events / max(1, counts.commits)) events each); queueing took \(fmt(queued)) s; \(counts.failures) failed")
        try store.close()
    }

    // MARK: Retention

    static func prune(dir: URL, sessions: Int, eventsPerSession: Int) throws {
        let store = try ControlPlaneStore.open(stateDir: dir, integrity: .none)
        let seedStart = monotonic()
        try store.benchSeed(sessions: sessions, runsPerSession: 2, eventsPerSession: eventsPerSession, interruptEvery: 0, age: 100 * 86_400)
        let seeded = monotonic() - seedStart
        try store.truncateWAL()
        let before = try store.size()
        let start = monotonic()
        // Unpaced (no rest between transactions): how fast a pass can go.
        let pass = StorePruner(store: store, retention: StoreRetention(), maxEventsPerStep: 2000, pause: 0, idleFactor: 0).runPass()
        let elapsed = monotonic() - start
        try store.truncateWAL()
        let after = try store.size()
        print("prune: seeded \(sessions * eventsPerSession) events 100 days old in \(fmt(seeded)) s; file \(before.fileBytes / 1_048_576) MiB")
        print("prune: one unpaced pass (default retention, 2000 events per transaction) deleted \(pass.deleted.events) events and "
              + "\(pass.deleted.runs) runs, reclaimed \(pass.reclaimedPages) pages in \(fmt(elapsed)) s "
              + "(\(Int(Double(pass.deleted.events) / elapsed)) events/s); file \(before.fileBytes / 1_048_576) MiB → "
              + "\(after.fileBytes / 1_048_576) MiB")
        try store.close()
    }

    // MARK: Recovery

    static func seed(dir: URL, sessions: Int, eventsPerSession: Int) throws {
        let store = try ControlPlaneStore.open(stateDir: dir, integrity: .none)
        let start = monotonic()
        try store.benchSeed(sessions: sessions, runsPerSession: 2, eventsPerSession: eventsPerSession, interruptEvery: 100)
        let size = (try? FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int) ?? 0
        try store.close()
        print("seed: \(sessions) sessions, \(sessions * eventsPerSession) events in \(fmt(monotonic() - start)) s (file \(size / 1_048_576) MiB before checkpoint)")
    }

    static func recovery(dir: URL, sessions: Int, events: Int) async throws {
        let openStart = monotonic()
        let store = try ControlPlaneStore.open(stateDir: dir, integrity: .quick)
        let opened = monotonic() - openStart
        let manager = SessionManager(store: store, backends: BackendRegistry(), agents: { _ in nil })
        let recoverStart = monotonic()
        let report = try await manager.recover()
        let recovered = monotonic() - recoverStart
        let pendingStart = monotonic()
        let pending = try store.pendingDeliveries()
        let pendingTime = monotonic() - pendingStart
        print("recovery: \(sessions) sessions, \(events) events: open + quick_check \(fmt(opened)) s, recover \(fmt(recovered)) s "
              + "(\(report.interruptedRuns.count) interrupted runs, \(report.openSessions) open sessions), "
              + "pending deliveries \(pending.count) listed in \(fmt(pendingTime)) s; total \(fmt(opened + recovered + pendingTime)) s")
        let fullStart = monotonic()
        let problems = try store.integrityProblems()
        print("recovery: full integrity_check (doctor) \(fmt(monotonic() - fullStart)) s, \(problems.count) problems")
        try store.close()
    }

    // MARK: Memory

    static func memory(dir: URL, sessions: Int) async throws {
        let store = try ControlPlaneStore.open(stateDir: dir, integrity: .none)
        let manager = SessionManager(store: store, backends: BackendRegistry(), agents: { _ in nil })
        _ = try await manager.recover()
        let keys = try store.sessions(states: [.idle], limit: sessions).map(\.key)
        let before = residentBytes()
        for key in keys { _ = try await manager.status(key) }
        let after = residentBytes()
        let perActor = keys.isEmpty ? 0 : (after - before) / keys.count
        print("memory: \(keys.count) idle session actors loaded: RSS +\((after - before) / 1024) KiB = ~\(perActor) bytes per actor")
        try store.close()
    }

    // MARK: Helpers

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func fmt(_ seconds: Double) -> String { String(format: "%.3f", seconds) }

    /// Resident set size from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    struct Options {
        private var values: [String: String] = [:]
        init(_ arguments: [String]) {
            var index = 0
            while index + 1 < arguments.count {
                if arguments[index].hasPrefix("--") { values[String(arguments[index].dropFirst(2))] = arguments[index + 1] }
                index += arguments[index].hasPrefix("--") ? 2 : 1
            }
        }
        func int(_ name: String, _ fallback: Int) -> Int { values[name].flatMap(Int.init) ?? fallback }
        func string(_ name: String, _ fallback: String) -> String { values[name] ?? fallback }
    }
}
