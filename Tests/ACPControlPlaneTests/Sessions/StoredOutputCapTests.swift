@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

@Suite("What the store keeps of a run's output", .serialized)
struct StoredOutputCapTests {
    @Test func outputPastTheCapIsNotStoredButCountedInOneMarker() async throws {
        try await withTemporaryDirectory { dir in
            var settings = ManagerHarness.fastSettings
            settings.maxStoredOutputChars = 100
            let h = try await ManagerHarness(dir: dir, settings: settings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            // The demo agent answers "echo: <prompt>", here in 40 chunks.
            let prompt = "[chunks=40] " + String(repeating: "grüße 🚀 ", count: 60)
            let run = try await h.submit(key, prompt)
            #expect(try await collector.terminal(of: run) == .completed(stopReason: "end_turn"))
            let answer = "echo: " + prompt
            let kept = String(answer.prefix(100))
            let marker = "\n\n[acpd: \(answer.utf8.count - kept.utf8.count) more bytes of output not stored]"
            #expect(collector.text(of: run) == kept + marker)
            let stored = try h.store.events(run: run)
            let storedText = stored.compactMap { event -> String? in
                if case .text(let delta) = event.payload { return delta.text }
                return nil
            }.joined()
            #expect(storedText == kept + marker)
            #expect(stored.map(\.seq) == Array(1...Int64(stored.count)))
            #expect(stored.last?.payload == .completed(stopReason: "end_turn"))

            // Under the cap nothing changes, and each run has its own count.
            let short = try await h.submit(key, "[chunks=5] short answer")
            #expect(try await collector.terminal(of: short) == .completed(stopReason: "end_turn"))
            #expect(collector.text(of: short) == "echo: [chunks=5] short answer")
        }
    }
}
