import Foundation
import Testing
import TestSupport

/// `acpd run` runs Swift concurrency's jobs on SwiftNIO's event loops (`GlobalExecutor`, set first
/// thing in `main` through the runtime's enqueue hook), and `ACPD_NIO_EXECUTOR=0` keeps the
/// runtime's own pool. Either way a prompt runs end to end, including a run that waits on a timer.
/// With the event loops, `WatchdogTimer`s (a run's watchdog, a request's timeout) are the loops'
/// scheduled callbacks; `ACPD_NIO_TIMERS=0` keeps them sleeping in steps.
@Suite(.serialized)
struct GlobalExecutorE2ETests {
    private static let token = "e2e-executor-\(UUID().uuidString.prefix(8))"

    @Test("acpd run: jobs and timers on the event loops by default, on the runtime's pool with ACPD_NIO_EXECUTOR=0; prompts work in all", arguments: [
        (shell: nil as String?, logged: "executor=event loops timers=event loops"),
        (shell: "export ACPD_NIO_TIMERS=0", logged: "executor=event loops timers=steps"),
        (shell: "export ACPD_NIO_EXECUTOR=0", logged: "executor=concurrency pool timers=steps"),
    ])
    func executorChoice(_ mode: (shell: String?, logged: String)) async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: E2EConfig.oneRoom(), shell: mode.shell)
            #expect(daemon.log.contains(mode.logged), "\(daemon.log)")
            let pid = daemon.process.processIdentifier
            let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap {
                try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(threads.contains { $0.hasPrefix("NIO-SGLTN") }, "\(threads)")
            for (index, text) in ["[chunks=3] hello", "[delay=300] after a timer"].enumerated() {
                let answer = try await daemon.post("room1", from: "alice", text)
                #expect(answer.status == 202, "\(answer)")
                let runId = try #require(answer.runId, "\(answer)")
                let final = try await daemon.finalText("room1", run: runId)
                #expect(!final.isEmpty, "prompt \(index) of \(mode.logged)")
            }
            #expect(try await daemon.stop() == 0)
        }
    }
}
