import CoreMetrics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Records the control plane's metrics of CONTRACT.md §9 through swift-metrics (exported by the
/// daemon's Prometheus factory). The factory is injectable so tests can read what was recorded.
public final class ControlPlaneMetrics: Sendable {
    private let factory: any MetricsFactory
    private let sessionCounts = Mutex<[SessionState: Int]>([:])

    /// Uses `factory`, by default the one `MetricsSystem` was bootstrapped with.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Sets `acpd_sessions{state}` from a full count (at start-up).
    func setSessionCounts(_ counts: [SessionState: Int]) {
        sessionCounts.withLock { $0 = counts }
        for state in SessionState.allCases { gaugeSessions(state, counts[state] ?? 0) }
    }

    /// Moves one session from `old` (nil: new) to `new` (nil: gone) in `acpd_sessions{state}`.
    func sessionMoved(from old: SessionState?, to new: SessionState?) {
        guard old != new else { return }
        let counts = sessionCounts.withLock { counts in
            if let old { counts[old, default: 0] = max(0, counts[old, default: 0] - 1) }
            if let new { counts[new, default: 0] += 1 }
            return counts
        }
        if let old { gaugeSessions(old, counts[old] ?? 0) }
        if let new { gaugeSessions(new, counts[new] ?? 0) }
    }

    private func gaugeSessions(_ state: SessionState, _ value: Int) {
        Gauge(label: "acpd_sessions", dimensions: [("state", state.rawValue)], factory: factory).record(value)
    }

    /// `acpd_runtimes_live`.
    func runtimesLive(_ count: Int) {
        Gauge(label: "acpd_runtimes_live", factory: factory).record(count)
    }

    /// `acpd_spawn_total{backend,result,code}`; `error` nil means success.
    func spawn(backend: String, error: ACPError?) {
        Counter(label: "acpd_spawn_total", dimensions: [("backend", backend), ("result", error == nil ? "ok" : "error"),
                                                       ("code", error?.code.rawValue ?? "")], factory: factory).increment()
    }

    /// `acpd_runs_total{result,code}` and `acpd_run_duration_seconds` (when the run started).
    func runEnded(_ state: RunState, code: ACPError.Code?, duration: Duration?) {
        Counter(label: "acpd_runs_total", dimensions: [("result", state.rawValue), ("code", code?.rawValue ?? "")],
                factory: factory).increment()
        if let duration {
            Timer(label: "acpd_run_duration_seconds", factory: factory).recordNanoseconds(Self.nanoseconds(duration))
        }
    }

    /// `acpd_queue_wait_seconds`: from submission to start.
    func queueWait(_ duration: Duration) {
        Timer(label: "acpd_queue_wait_seconds", factory: factory).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// `acpd_runtime_restarts_total{reason}` (crash, context_lost, …).
    func runtimeRestart(reason: String) {
        Counter(label: "acpd_runtime_restarts_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// `acpd_idempotency_replays_total`.
    func idempotencyReplay() {
        Counter(label: "acpd_idempotency_replays_total", factory: factory).increment()
    }

    /// `acpd_permission_requests_total{outcome}`: answered, auto, timed_out, cancelled.
    func permission(outcome: PermissionResolution.How) {
        Counter(label: "acpd_permission_requests_total", dimensions: [("outcome", outcome.rawValue)], factory: factory).increment()
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}
