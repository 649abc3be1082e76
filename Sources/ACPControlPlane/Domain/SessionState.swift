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
