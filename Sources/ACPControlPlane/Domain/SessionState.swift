/// The state of an acpd session. Stored as its raw value.
public enum SessionState: String, Sendable, Codable, CaseIterable {
    case creating, idle, running, cancelling, closed, error

    /// Terminal: nothing leaves `closed`.
    public var isTerminal: Bool { self == .closed }
}

/// What happens to a session; input of `SessionState.applying(_:)`.
public enum SessionEvent: Sendable, Equatable, CaseIterable {
    /// The session record and (if any) its first runtime are ready.
    case ready
    /// A run of this session started.
    case runStarted
    /// A run ended (completed, failed or cancelled) and none is running.
    case runEnded
    /// Someone asked to cancel the running run.
    case cancelRequested
    /// The session was closed.
    case closed
    /// The session cannot go on without help (e.g. the agent does not start).
    case failed
    /// Start-up recovery or a successful retry brings the session back to idle.
    case recovered
}

extension SessionState {
    /// Returns the next state, or nil when `event` is not allowed in `self`. No side effects.
    public func applying(_ event: SessionEvent) -> SessionState? {
        switch (self, event) {
        case (.creating, .ready): .idle
        case (.creating, .failed): .error
        case (.idle, .runStarted), (.error, .runStarted): .running
        case (.running, .runEnded), (.cancelling, .runEnded): .idle
        case (.running, .cancelRequested), (.cancelling, .cancelRequested): .cancelling
        case (.idle, .failed), (.running, .failed), (.cancelling, .failed): .error
        case (.running, .recovered), (.cancelling, .recovered), (.error, .recovered), (.creating, .recovered): .idle
        case (.idle, .recovered): .idle
        case (let state, .closed) where state != .closed: .closed
        default: nil
        }
    }
}

/// The state of one run. Stored as its raw value; a failed run's code is stored beside it.
public enum RunState: String, Sendable, Codable, CaseIterable {
    case queued, running, completed, failed, cancelled

    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        case .queued, .running: false
        }
    }
}

/// What happens to a run; input of `RunState.applying(_:)`.
public enum RunEvent: Sendable, Equatable, CaseIterable {
    case started, finished, failed, cancelRequested, cancelled
}

extension RunState {
    /// Returns the next state, or nil when `event` is not allowed in `self`. No side effects.
    public func applying(_ event: RunEvent) -> RunState? {
        switch (self, event) {
        case (.queued, .started): .running
        case (.queued, .cancelRequested), (.queued, .cancelled), (.running, .cancelled): .cancelled
        case (.running, .cancelRequested): .running
        case (.running, .finished): .completed
        case (.running, .failed), (.queued, .failed): .failed
        default: nil
        }
    }
}

/// A transition outside a state machine was attempted. This is a bug in acpd: it is surfaced
/// (logged, returned as an error) and the state is left unchanged, never silently applied.
public struct StateMachineViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being changed, e.g. `session agent:demo:acp:…` or `run 0f3c…`.
    public let what: String
    public let detail: String

    public init(what: String, detail: String) {
        self.what = what
        self.detail = detail
    }

    public var description: String { "illegal state transition of \(what): \(detail)" }
}

extension SessionState {
    /// The next state, or a `StateMachineViolation` naming `subject` when `event` is not allowed.
    public func next(on event: SessionEvent, subject: String) throws(StateMachineViolation) -> SessionState {
        guard let next = applying(event) else {
            throw StateMachineViolation(what: subject, detail: "\(event) is not allowed in state \(rawValue)")
        }
        return next
    }
}

extension RunState {
    /// The next state, or a `StateMachineViolation` naming `subject` when `event` is not allowed.
    public func next(on event: RunEvent, subject: String) throws(StateMachineViolation) -> RunState {
        guard let next = applying(event) else {
            throw StateMachineViolation(what: subject, detail: "\(event) is not allowed in state \(rawValue)")
        }
        return next
    }
}
