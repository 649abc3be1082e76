import Foundation
import Testing
import TestSupport

/// A short form of `scripts/crash_trials.py` (docs/reliability.md) on every test run: randomized
/// SIGKILLs of a real `acpd run` with the demo agent, retries with the same idempotency keys, and
/// the invariants checked from the store (no prompt run twice, no message delivered twice, no
/// binding lost, nothing left running, integrity ok, no orphan agent).
/// 4 trials; under CI (`CI=true`) 20, the campaign's short form.
struct CrashTrialsTests {
    static let trials = ProcessInfo.processInfo.environment["CI"] == "true" ? 20 : 4

    @Test("crash trials: seeded trials pass")
    func seededTrials() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestPaths.repoRoot.appendingPathComponent("scripts/crash_trials.py").path,
                             "--trials", "\(Self.trials)", "--seed", "2026", "--bin", TestPaths.productsDir.path]
        process.currentDirectoryURL = TestPaths.repoRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = try await withDeadline(Double(max(240, Self.trials * 30)), "the crash trials to finish") {
            await CLI.readToEnd(output, thenWaitFor: process)
        }
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("crash trials: \(Self.trials) passed, 0 failed"), "\(text)")
    }
}
