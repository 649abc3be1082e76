import ACPControlPlane
import Synchronization

/// One acpd session as the acpx backend knows it: the acpx session it maps to and how to call
/// acpx for it.
struct AcpxSession: Sendable {
    let name: AcpxSessionName
    let commandLine: AcpxCommandLine
    let environment: [String: String]
    let handle: RuntimeHandle
    let agentId: String
    /// What `ensureSession` was asked for; a different request replaces the session.
    let agentCommand: [String]
    let agentEnv: [String: String]

    var cwd: String { commandLine.cwd }
}

/// The prompt process of the turn in flight for one session, and whether acpd asked to cancel it.
/// Shared by the task that runs the turn and by `cancel`; all state is behind a mutex.
final class AcpxActiveTurn: Sendable {
    let runId: RunID
    private struct State {
        var process: ChildProcess?
        var cancelRequested = false
        var finished = false
    }

    private let state = Mutex(State())

    init(runId: RunID) { self.runId = runId }

    /// Records the prompt process once it is started. Returns true when a cancel was requested
    /// before it started (the caller then cancels at once).
    func attach(_ process: ChildProcess) -> Bool {
        state.withLock { state in
            state.process = process
            return state.cancelRequested
        }
    }

    /// Marks the turn as cancel-requested. Returns the process to act on, or nil when the turn has
    /// already finished or was already being cancelled (a second cancel does nothing new).
    func requestCancel() -> (process: ChildProcess?, first: Bool)? {
        state.withLock { state in
            guard !state.finished else { return nil }
            let first = !state.cancelRequested
            state.cancelRequested = true
            return (state.process, first)
        }
    }

    var cancelRequested: Bool { state.withLock { $0.cancelRequested } }

    var process: ChildProcess? { state.withLock { $0.process } }

    func finish() { state.withLock { $0.finished = true } }
}

/// The sessions and turns of the acpx backend, by session key. Safe for concurrent use; its
/// methods are short and never wait on a process.
actor AcpxSessionTable {
    private var sessions: [SessionKey: AcpxSession] = [:]
    private var turns: [SessionKey: AcpxActiveTurn] = [:]

    func session(_ key: SessionKey) -> AcpxSession? { sessions[key] }

    /// The session behind `handle`, when it is still the same runtime instance.
    func session(for handle: RuntimeHandle) -> AcpxSession? {
        guard let session = sessions[handle.sessionKey], session.handle == handle else { return nil }
        return session
    }

    func store(_ session: AcpxSession) { sessions[session.handle.sessionKey] = session }

    /// Forgets the session behind `handle` (only if it is still that instance).
    func forget(_ handle: RuntimeHandle) {
        if sessions[handle.sessionKey]?.handle == handle { sessions[handle.sessionKey] = nil }
    }

    /// Removes and returns the session of `key`.
    func remove(_ key: SessionKey) -> AcpxSession? { sessions.removeValue(forKey: key) }

    /// Registers a new turn; nil when one is already in flight for this session.
    func beginTurn(_ key: SessionKey, runId: RunID) -> AcpxActiveTurn? {
        guard turns[key] == nil else { return nil }
        let turn = AcpxActiveTurn(runId: runId)
        turns[key] = turn
        return turn
    }

    func endTurn(_ key: SessionKey, _ turn: AcpxActiveTurn) {
        turn.finish()
        if turns[key] === turn { turns[key] = nil }
    }

    func turn(_ key: SessionKey) -> AcpxActiveTurn? { turns[key] }
}
