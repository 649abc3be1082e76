@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

@Suite("Metrics of CONTRACT.md §9", .serialized)
struct ControlPlaneMetricsTests {
    @Test func aSessionsLifeIsCounted() async throws {
        try await withTemporaryDirectory { dir in
            let recorder = RecordingMetrics()
            let h = try await ManagerHarness(dir: dir, settings: ManagerHarness.fastSettings,
                                             metrics: ControlPlaneMetrics(factory: recorder))
            defer { Task { await h.shutdown() } }
            let new = h.newSession()
            let collector = EventCollector(h.manager.subscribe(new.key))
            let key = IdempotencyKey(scope: "http:default", key: "m")
            let spawned = try await h.manager.spawn(new, firstPrompt: [.text("hi")], conversation: h.conversation, idempotency: key)
            try await collector.terminal(of: try #require(spawned.firstRun))
            _ = try await h.manager.spawn(new, idempotency: key)
            let failing = try await h.submit(new.key, "[fail]")
            try await collector.terminal(of: failing)
            #expect(recorder.value("acpd_spawn_total{backend=stdio,code=,result=ok}") == 1)
            #expect(recorder.value("acpd_runs_total{code=,result=completed}") == 1)
            #expect(recorder.value("acpd_runs_total{code=ACP_TURN_FAILED,result=failed}") == 1)
            #expect(recorder.value("acpd_idempotency_replays_total") == 1)
            #expect(recorder.value("acpd_sessions{state=idle}") == 1)
            #expect(recorder.value("acpd_sessions{state=running}") == 0)
            #expect(recorder.value("acpd_runtimes_live") == 1)
            #expect(recorder.timings("acpd_run_duration_seconds").count == 2)
            #expect(recorder.timings("acpd_queue_wait_seconds").count == 2)
            #expect(try await h.manager.close(new.key))
            #expect(recorder.value("acpd_sessions{state=closed}") == 1)
            #expect(recorder.value("acpd_sessions{state=idle}") == 0)
            #expect(recorder.value("acpd_runtimes_live") == 0)
        }
    }

    @Test func permissionOutcomesAndRestartsAreCounted() async throws {
        try await withTemporaryDirectory { dir in
            let recorder = RecordingMetrics()
            var settings = ManagerHarness.fastSettings
            settings.permissionMode = .approveAll
            let h = try await ManagerHarness(dir: dir, settings: settings, metrics: ControlPlaneMetrics(factory: recorder))
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            try await collector.terminal(of: try await h.submit(key, "[permission]"))
            #expect(recorder.value("acpd_permission_requests_total{outcome=auto}") == 1)
            try await collector.terminal(of: try await h.submit(key, "[crash]"))
            try await collector.terminal(of: try await h.submit(key, "after"))
            #expect(recorder.value("acpd_runtime_restarts_total{reason=crash}") == 1)
        }
    }
}
