import Foundation
import Testing
import TestSupport

/// A short form of the chaos campaign (docs/reliability.md) on every test run: `acpd-bench chaos`
/// drives a real `acpd run` through the Telegram and Discord fakes with SIGKILLs of acpd and of
/// agents, duplicated updates, replays on RESUME, 429s and 502s, button presses, spawns and
/// `/new`, and checks the invariants from the store and the fakes (no prompt run twice, no
/// message shown twice or in the wrong topic, no binding lost, every interrupted run told once,
/// integrity ok, no orphan agent). `ACPD_CHAOS_TRIALS=N` runs N trials per channel instead (the
/// long form; `ACPD_CHAOS_SEED` picks the seed).
struct ChaosTrialsTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test("chaos trials through the Telegram and Discord fakes: every invariant holds")
    func seededTrials() async throws {
        let long = Self.environment["ACPD_CHAOS_TRIALS"].flatMap(Int.init)
        let seed = Self.environment["ACPD_CHAOS_SEED"] ?? "2026"
        // Telegram paces a group to 20 messages a minute, so its trials are the slow ones.
        let runs: [(channel: String, trials: Int)] = [("telegram", long ?? 3), ("discord", long ?? 10)]
        for run in runs {
            let (status, text) = try await Self.chaos(["--channels", run.channel, "--trials", "\(run.trials)", "--seed", seed],
                                                      within: Double(max(240, run.trials * 90)))
            #expect(status == 0, "\(text)")
            #expect(text.contains("chaos trials: \(run.trials) passed, 0 failed"), "\(text)")
            // The table's row: every violation column is 0 (they are also failures above; this names them).
            let row = try #require(text.split(separator: "\n").first { $0.hasPrefix("| \(run.channel) |") }, "\(text)")
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count == 20, "\(row)")
            #expect(cells[12...18].allSatisfy { $0 == "0" }, "duplicates, misrouted, lost, bindings lost, unreported, failed: \(row)")
        }
    }

    /// Runs `acpd-bench chaos` with `arguments`; its status and output.
    static func chaos(_ arguments: [String], within seconds: Double) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.product("acpd-bench"))
        process.arguments = ["chaos"] + arguments
        process.currentDirectoryURL = TestPaths.repoRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = try await withDeadline(seconds, "the chaos trials to finish") {
            await CLI.readToEnd(output, thenWaitFor: process)
        }
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
