@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// The crash-restart backoff has one owner, the session manager (the stdio backend's own copy is
/// gone): these are the assertions that used to be made of the backend's table.
@Suite("Crash restart backoff (session manager)", .serialized)
struct RestartBackoffTests {
    @Test("no delay without a crash, then doubling per crash in a row up to the cap")
    func delayDoublesUpToTheCap() {
        var settings = ControlPlaneSettings()
        settings.restartBackoffInitial = .seconds(1)
        settings.restartBackoffMax = .seconds(3)
        #expect(settings.restartDelay(afterCrashes: 0) == .zero)
        #expect(settings.restartDelay(afterCrashes: 1) == .seconds(1))
        #expect(settings.restartDelay(afterCrashes: 2) == .seconds(2))
        #expect(settings.restartDelay(afterCrashes: 3) == .seconds(3))
        #expect(settings.restartDelay(afterCrashes: 8) == .seconds(3))
        #expect(settings.restartDelay(afterCrashes: 1000) == .seconds(3))
    }

    @Test("a crash counts towards the backoff; a good turn resets it")
    func aGoodTurnResetsTheCrashCount() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            try await collector.terminal(of: try await h.submit(key, "before"))
            guard case .failed = try await collector.terminal(of: try await h.submit(key, "[crash]")) else {
                Issue.record("expected a failure")
                return
            }
            #expect(try await h.manager.sessionActor(key).crashesInARow == 1)
            #expect(try await collector.terminal(of: try await h.submit(key, "after")) == .completed(stopReason: "end_turn"))
            #expect(try await h.manager.sessionActor(key).crashesInARow == 0)
        }
    }
}
