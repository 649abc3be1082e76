/// The runtime contract: what every backend (`stdio`, `acpx`, …) implements.
///
/// The control plane calls these from a session's actor, one operation at a time per session
/// key, except `cancel`, which may arrive while a turn is streaming. Implementations must be
/// safe to call concurrently for different session keys.
public protocol AgentRuntime: Sendable {
    /// The backend id (`stdio`, `acpx`).
    var id: String { get }

    /// Makes sure a live agent-side session exists for `request.sessionKey`: returns the live one,
    /// or starts the agent, initialises it and creates (`session/new`) or restores
    /// (`session/resume` or `session/load`, when `resumeAgentSessionId` is set and the agent
    /// supports it) a session.
    /// A failed restore falls back to a fresh session and says so in `resumeFailure`. Starts at
    /// once: pacing restarts after crashes is the control plane's job, not the backend's.
    /// Throws `ACPError` (`ACP_SESSION_INIT_FAILED`, `ACP_PROTOCOL_ERROR`, …).
    func ensureSession(_ request: EnsureSessionRequest) async throws(ACPError) -> EnsuredSession

    /// Sends one prompt turn. The stream yields the turn's events in the order the agent sent
    /// them and ends with exactly one terminal event (`.done` or `.failed`). At most one turn per
    /// handle may be in flight; a second one fails with `ACP_TURN_FAILED`.
    func runTurn(_ handle: RuntimeHandle, prompt: [ContentBlock], runId: RunID) -> AsyncStream<RuntimeEvent>

    /// Asks the agent to stop the current turn (`session/cancel`), after answering every pending
    /// permission request of that session with `cancelled`. Returns at once; the turn's stream
    /// ends when the agent answers. Does nothing when no turn is in flight; never starts anything.
    ///
    /// The backend owns the escalation: when the agent has not ended the turn within the backend's
    /// cancel grace, the backend stops the agent's process itself, so the stream always ends (the
    /// control plane arms no kill timer of its own).
    func cancel(_ handle: RuntimeHandle) async

    /// Stops the runtime of this session: ends any turn, then shuts the agent down (stdin closed,
    /// SIGTERM, SIGKILL of its process group) and reaps it. Idempotent.
    func close(sessionKey: SessionKey, reason: CloseReason) async

    /// Whether a live runtime exists for this handle (same instance, process still running).
    func isAlive(_ handle: RuntimeHandle) async -> Bool

    /// The health of the backend as a whole (e.g. the `acpx` binary resolves).
    func health() async -> BackendHealth
}
