#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How `acp.permissions.mode` answers permission requests.
public enum PermissionMode: String, Sendable, Codable, CaseIterable {
    /// Every request goes to the conversation (answered there, or rejected at the deadline).
    case ask
    /// Requests for read-only tool calls (kind `read`, `search`, `think`) are allowed at once; the rest are asked.
    case approveReads = "approve-reads"
    /// Every request is allowed at once.
    case approveAll = "approve-all"
    /// Every request is rejected at once.
    case denyAll = "deny-all"
}

/// The control plane's knobs, filled by the config layer from `acp.*` (CONTRACT.md §3).
/// Defaults are the contract's defaults.
public struct ControlPlaneSettings: Sendable, Equatable {
    /// `acp.maxConcurrentSessions`: live runtimes at once; idle ones are evicted first.
    public var maxConcurrentSessions: Int = 16
    /// `acp.turnTimeoutSeconds`: a run's time limit.
    public var turnTimeout: Duration = .seconds(1800)
    /// `acp.runtime.ttlMinutes`: an idle runtime is stopped after this; its session stays.
    public var runtimeTTL: Duration = .seconds(60 * 60)
    /// `acp.idempotency.ttlHours`.
    public var idempotencyTTL: Duration = .seconds(24 * 3600)
    /// `acp.permissions.mode`.
    public var permissionMode: PermissionMode = .ask
    /// `acp.permissions.timeoutSeconds`: an unanswered request is rejected after this.
    public var permissionTimeout: Duration = .seconds(600)
    /// `acp.env.passthrough`.
    public var envPassthrough: [String] = ["PATH", "HOME", "LANG"]
    /// `acp.workspaceRoots` ([] = any): every runtime's cwd must really (symlinks resolved) lie
    /// under one of them; checked each time a runtime starts.
    public var workspaceRoots: [String] = []
    /// `acp.allowedAgents` ([] = every agent the lookup knows).
    public var allowedAgents: [String] = []
    /// After close or reset stopped a session's runtime (which ends the run's stream), how long they
    /// wait for the ended run's task to finish before cancelling it. Not a cancel grace: killing an
    /// agent that ignores `session/cancel` is the runtime backend's job (its own `cancelGrace`).
    public var runDrainTimeout: Duration = .seconds(10)
    /// First delay before restarting an agent that crashed; doubles per crash in a row. The control
    /// plane is the only one that backs off restarts (the backends restart at once when asked).
    public var restartBackoffInitial: Duration = .milliseconds(500)
    /// Upper bound of the restart delay.
    public var restartBackoffMax: Duration = .seconds(30)
    /// `acp.stream.maxOutputChars`: what delivery can show of one run's output (and of its
    /// thoughts), and so what the store keeps of it; the rest is counted in one marker.
    public var maxStoredOutputChars: Int = 24_000
    /// How often the maintenance loop evicts idle runtimes and purges idempotency keys.
    public var maintenanceInterval: Duration = .seconds(30)

    public init() {}

    /// Convenience for the config layer: the contract's units (seconds, minutes, hours). The
    /// conversions saturate (`Duration.saturating`): no number makes them trap, a negative one is
    /// zero and a huge one `Duration.longestWait` (the config layer keeps them in range anyway).
    public init(maxConcurrentSessions: Int = 16, turnTimeoutSeconds: Int = 1800, runtimeTTLMinutes: Int = 60,
                idempotencyTTLHours: Int = 24, permissionMode: PermissionMode = .ask, permissionTimeoutSeconds: Int = 600,
                envPassthrough: [String] = ["PATH", "HOME", "LANG"], allowedAgents: [String] = [],
                workspaceRoots: [String] = []) {
        self.maxConcurrentSessions = maxConcurrentSessions
        self.turnTimeout = .saturating(turnTimeoutSeconds)
        self.runtimeTTL = .saturating(runtimeTTLMinutes, unitSeconds: 60)
        self.idempotencyTTL = .saturating(idempotencyTTLHours, unitSeconds: 3600)
        self.permissionMode = permissionMode
        self.permissionTimeout = .saturating(permissionTimeoutSeconds)
        self.envPassthrough = envPassthrough
        self.workspaceRoots = workspaceRoots
        self.allowedAgents = allowedAgents
    }

    /// The restart delay after `crashes` crashes in a row (0 → none).
    func restartDelay(afterCrashes crashes: Int) -> Duration {
        guard crashes > 0 else { return .zero }
        var delay = restartBackoffInitial
        for _ in 1..<min(crashes, 32) {
            delay *= 2
            if delay >= restartBackoffMax { return restartBackoffMax }
        }
        return min(delay, restartBackoffMax)
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
