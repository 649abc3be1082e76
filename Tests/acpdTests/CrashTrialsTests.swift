import Foundation
import Testing
import TestSupport

/// A short form of `scripts/crash_trials.py` (docs/reliability.md) on every test run: randomized
/// SIGKILLs of a real `acpd run` with the demo agent, retries with the same idempotency keys, and
/// the invariants checked from the store (no prompt run twice, no message delivered twice, no
/// binding lost, nothing left running, integrity ok, no orphan agent).
struct CrashTrialsTests {
    @Test("crash trials: 4 seeded trials pass")
    func seededTrials() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestPaths.repoRoot.appendingPathComponent("scripts/crash_trials.py").path,
                             "--trials", "4", "--seed", "2026", "--bin", TestPaths.productsDir.path]
        process.currentDirectoryURL = TestPaths.repoRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = try await withDeadline(240, "the crash trials to finish") {
            await CLI.readToEnd(output, thenWaitFor: process)
        }
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("crash trials: 4 passed, 0 failed"), "\(text)")
    }
}
