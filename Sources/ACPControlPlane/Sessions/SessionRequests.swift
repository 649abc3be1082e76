#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a new session looks like. The caller (spawn command, reconciler) has already applied
/// the config precedence `bindings[].acp.*` → `agents.<id>.*` → `acp.*`.
public struct NewSession: Sendable, Equatable {
    public var key: SessionKey
    public var agentId: String
    /// Absolute working directory.
    public var cwd: String
    public var mode: SessionMode
    /// Runtime backend id.
    public var backend: String
    public var label: String?

    public init(key: SessionKey, agentId: String, cwd: String, mode: SessionMode = .persistent, backend: String = "stdio",
                label: String? = nil) {
        self.key = key
        self.agentId = agentId
        self.cwd = cwd
        self.mode = mode
        self.backend = backend
        self.label = label
    }
}

/// The outcome of `SessionManager.spawn`.
public struct SpawnResult: Sendable, Equatable, Codable {
    public var sessionKey: SessionKey
    public var bindingId: Int64?
    public var firstRun: RunID?
    /// True when this answers a replayed idempotency key: nothing was started.
    public var replayed: Bool
}

/// The outcome of `submit` / `steer`.
public struct SubmitResult: Sendable, Equatable, Codable {
    public var runId: RunID
    /// Runs ahead of this one when it was queued (0: it starts now).
    public var position: Int
    /// True when this answers a replayed idempotency key: nothing was queued.
    public var replayed: Bool
}

/// A second idempotency key a submit stores in its own transaction, with the caller's result
/// for the run it creates: the inbound message's outcome, so a prompt's run and the record that
/// it was handled commit together (one write transaction for the message).
public struct SubmitRecording: Sendable {
    /// The key to store.
    public var key: IdempotencyKey
    /// How long a stored result counts (`acp.idempotency.ttlHours`).
    public var ttl: TimeInterval
    /// The result to store for the submitted run.
    public var result: @Sendable (SubmitResult) -> String

    /// A recording of `result` under `key`.
    public init(key: IdempotencyKey, ttl: TimeInterval, result: @escaping @Sendable (SubmitResult) -> String) {
        self.key = key
        self.ttl = ttl
        self.result = result
    }
}

/// Thrown by a submit whose `SubmitRecording` key already holds a result: nothing was queued;
/// `result` is what the key holds.
public struct SubmitAlreadyRecorded: Error, Sendable {
    /// The stored result.
    public var result: String
}

/// What `cancel` did.
public struct CancelOutcome: Sendable, Equatable {
    /// The running run that was asked to stop, if it belongs to the caller's conversation scope.
    public var activeRun: RunID?
    /// Queued runs that were cancelled.
    public var queuedRuns: [RunID]

    /// True when there was nothing to cancel (`OK: nothing to cancel`); no runtime was started.
    public var isNothing: Bool { activeRun == nil && queuedRuns.isEmpty }
}

/// A snapshot for `/acp status`.
public struct SessionStatus: Sendable, Equatable {
    public var session: SessionRecord
    public var bindings: [BindingRecord]
    /// Queued runs (not counting the running one).
    public var queueDepth: Int
    public var activeRun: RunRecord?
    public var runtimeLive: Bool
    public var lastEventAt: Date?
    public var pendingPermissions: [PermissionPrompt]
}
