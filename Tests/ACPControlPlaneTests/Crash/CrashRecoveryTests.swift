@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// Kills a real process driving the manager (and the demo agent) with SIGKILL at chosen points,
/// restarts it on the same store, and checks the invariants: no lost binding, no duplicated
/// delivered event, no session stuck in `running`, and the interrupted command's idempotency key
/// replays correctly.
@Suite("Crash recovery with real processes", .serialized)
struct CrashRecoveryTests {
    /// Delivered (run, seq) pairs, in log order.
    static func delivered(_ stateDir: URL) throws -> [(run: String, seq: Int64, kind: String)] {
        let text = try String(contentsOf: stateDir.appendingPathComponent("delivered.log"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let parts = line.split(separator: " ").map(String.init)
            return (parts[0], Int64(parts[1]) ?? -1, parts[2])
        }
    }

    static func openReadOnly(_ stateDir: URL) throws -> ControlPlaneStore {
        try ControlPlaneStore(path: stateDir.appendingPathComponent("acpd.sqlite").path, integrity: .none, readOnly: true)
    }

    /// `pauseAfter`: the consumer stops after delivering this seq (mid-stream);
    /// `pauseBefore`: it stops with this seq committed but not delivered.
    @Test(arguments: [(Int64?(5), Int64?.none), (Int64?.none, Int64?(4))])
    func killMidStreamThenRestart(pauseAfter: Int64?, pauseBefore: Int64?) async throws {
        try await withTemporaryDirectory { dir in
            let host = try HostProcess(stateDir: dir)
            _ = try await host.call("recover", expect: "RECOVERED")
            let key = try await host.call("spawn s1 c1", expect: "SPAWNED")[1]
            _ = try await host.call("live \(key) \(pauseAfter.map(String.init) ?? "-") \(pauseBefore.map(String.init) ?? "-")", expect: "LIVE")
            // 500 chunks 20 ms apart: the run is still streaming when it is killed a few events
            // after the pause, however loaded the machine is.
            let run = try await host.call("submit \(key) m1 c1 [chunks=500][delay=20] stream", expect: "SUBMITTED")[1]
            let runId = try #require(RunID(run))
            _ = try await host.line("PAUSED-")
            let reader = try Self.openReadOnly(dir)
            let pausedAt = pauseAfter ?? pauseBefore ?? 0
            try await withDeadline(20, "more events committed") {
                while try reader.lastSeq(run: runId) < pausedAt + 3 { try await Task.sleep(for: .milliseconds(10)) }
            }
            try await host.kill()
            #expect(try reader.run(runId)?.state == .running)

            let again = try HostProcess(stateDir: dir)
            let recovered = try await again.call("recover", expect: "RECOVERED")
            #expect(recovered.contains("interrupted=1"))
            #expect(recovered.contains("bindings=1"))
            _ = try await again.call("deliver-pending", expect: "DELIVERED-PENDING")

            let stored = try #require(try reader.run(runId))
            #expect(stored.state == .failed)
            #expect(stored.errorMessage == "acpd restarted")
            #expect(try reader.session(try SessionKey.parse(key))?.state == .idle)
            #expect(try reader.bindings().map(\.sessionKey.rawValue) == [key])

            let log = try Self.delivered(dir).filter { $0.run == run }
            #expect(log.map(\.seq) == Array(1...stored.lastSeq), "every committed event delivered exactly once, in order")
            #expect(log.last?.kind == "failed")

            // The interrupted commands' keys replay: same run, same session, nothing new.
            let replay = try await again.call("submit \(key) m1 c1 [chunks=500][delay=20] stream", expect: "SUBMITTED")
            #expect(replay == ["SUBMITTED", run, "replayed=true"])
            let spawnReplay = try await again.call("spawn s1 c1", expect: "SPAWNED")
            #expect(spawnReplay == ["SPAWNED", key, "replayed=true"])

            // The session works again (its runtime starts lazily), and nothing is offered twice.
            _ = try await again.call("live \(key) - -", expect: "LIVE")
            let next = try await again.call("submit \(key) m2 c1 after the crash", expect: "SUBMITTED")[1]
            let end = try await again.line("RUN-END \(next)")
            #expect(end.hasSuffix("completed"))
            #expect(try await again.call("deliver-pending", expect: "DELIVERED-PENDING") == ["DELIVERED-PENDING", "0"])
            let all = try Self.delivered(dir)
            #expect(Set(all.map { "\($0.run) \($0.seq)" }).count == all.count, "no event delivered twice")
            #expect(try reader.runs(session: try SessionKey.parse(key)).count == 2)
            try await again.quit()
        }
    }

    @Test func killDuringSpawnLeavesNothingAndTheKeyRunsAgain() async throws {
        try await withTemporaryDirectory { dir in
            let host = try HostProcess(stateDir: dir, agentArguments: ["--init-delay", "10000"])
            _ = try await host.call("recover", expect: "RECOVERED")
            _ = try await host.call("spawn s2 c2", expect: "SPAWNING")
            try await host.kill()

            let again = try HostProcess(stateDir: dir)
            _ = try await again.call("recover", expect: "RECOVERED")
            let reader = try Self.openReadOnly(dir)
            #expect(try reader.sessions().isEmpty)
            #expect(try reader.bindings(activeOnly: false).isEmpty)
            let first = try await again.call("spawn s2 c2", expect: "SPAWNED")
            #expect(first.last == "replayed=false")
            let second = try await again.call("spawn s2 c2", expect: "SPAWNED")
            #expect(second == ["SPAWNED", first[1], "replayed=true"])
            #expect(try reader.sessions().count == 1)
            #expect(try reader.bindings().count == 1)
            try await again.quit()
        }
    }
}
