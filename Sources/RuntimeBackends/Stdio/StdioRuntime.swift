import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Synchronization

/// The native `stdio` runtime backend: one long-lived ACP agent process per session key,
/// JSON-RPC 2.0 over NDJSON on its stdin/stdout, acpd as the ACP client.
///
/// Guarantees: the agent runs in its own process group with the session cwd as process cwd and
/// an environment of only the passthrough names plus `agent.env`; each turn stream ends with
/// exactly one `.done` or `.failed`; every permission request is answered exactly once; an agent
/// that ignores `session/cancel` is killed after `cancelGrace` (this backend is the only one to
/// arm that timer); a dead agent is restarted at once on the next `ensureSession` (the session
/// manager paces restarts after crashes) and its session restored with `session/resume` or
/// `session/load` when the agent supports it; a session closed or reset for good is ended with
/// `session/close` when the agent advertises it. Safe to use concurrently for different keys.
public final class StdioRuntime: AgentRuntime {
    public let id = "stdio"
    private let options: StdioRuntimeOptions
    private let logger: Logger
    let table = SessionTable()
    /// Per session key, the number of `runTurn` calls so far: taken synchronously in `runTurn`, so
    /// `cancel` knows of a turn whose start has not reached the connection yet.
    private let turnTickets = Mutex<[SessionKey: UInt64]>([:])

    /// Creates the backend. Ignores SIGPIPE process-wide (a write to a dead agent must be an
    /// error, not the end of acpd).
    public init(options: StdioRuntimeOptions = StdioRuntimeOptions(), logger: Logger = Logger(label: "acpd.runtime.stdio")) {
        SigpipeGuard.install()
        self.options = options
        self.logger = logger
    }

    public func ensureSession(_ request: EnsureSessionRequest) async throws(ACPError) -> EnsuredSession {
        let key = request.sessionKey
        if let current = await table.connection(for: key) {
            if await current.isAlive {
                return try await describe(current, origin: .existing, resumeFailure: nil)
            }
            // Dead or dying (crash, kill after cancel): retire it now rather than waiting for its
            // death report, so its agent session id is remembered for session/load.
            await table.connectionDied(current, key: key, agentSessionId: await current.agentSessionId)
        }
        guard request.cwd.hasPrefix("/") else {
            throw ACPError(.invalidArgument, message: "the session cwd must be an absolute path: \(request.cwd)")
        }
        guard let executable = request.agent.command.first, !executable.isEmpty else {
            throw ACPError(.sessionInitFailed, message: "agent \"\(request.agent.id)\" has an empty command")
        }
        let resumeId: String?
        if let explicit = request.resumeAgentSessionId {
            resumeId = explicit
        } else {
            resumeId = await table.rememberedSessionId(for: key)
        }

        let spec = ProcessSpec(
            executable: executable, arguments: Array(request.agent.command.dropFirst()),
            environment: Self.environment(for: request), workingDirectory: request.cwd,
            stderrLogLevel: options.stderrLogLevel)
        let child = try ChildProcess.spawn(spec, label: "\(request.agent.id) \(key)", logger: logger,
                                           eventLoopGroup: GlobalExecutor.eventLoop(for: key))
        let table = self.table
        let connection = AgentConnection(
            child: child, sessionKey: key, agent: request.agent, cwd: request.cwd, options: options, logger: logger,
            onDeath: { connection, _ in
                await table.connectionDied(connection, key: key, agentSessionId: await connection.agentSessionId)
            })
        await connection.start()

        let origin: EnsuredSession.Origin
        let resumeFailure: String?
        do {
            (origin, resumeFailure) = try await connection.establish(resumeSessionId: resumeId)
        } catch {
            _ = await connection.shutdown(turnError: error)
            throw error
        }
        if let existing = await table.install(connection, for: key) {
            // Another caller won the race for this key: keep theirs.
            _ = await connection.shutdown(turnError: ACPError(.sessionClosed))
            return try await describe(existing, origin: .existing, resumeFailure: nil)
        }
        return try await describe(connection, origin: origin, resumeFailure: resumeFailure)
    }

    private func describe(_ connection: AgentConnection, origin: EnsuredSession.Origin,
                          resumeFailure: String?) async throws(ACPError) -> EnsuredSession {
        guard let sessionId = await connection.agentSessionId else {
            throw ACPError(.sessionInitFailed, message: "the agent session is not ready")
        }
        let handle = RuntimeHandle(sessionKey: connection.sessionKey, backend: id, agentSessionId: sessionId,
                                   runtimeInstance: connection.instance)
        return EnsuredSession(handle: handle, origin: origin, resumeFailure: resumeFailure,
                              capabilities: await connection.capabilities)
    }

    public func runTurn(_ handle: RuntimeHandle, prompt: [ContentBlock], runId: RunID) -> AsyncStream<RuntimeEvent> {
        // The consumer pulls through `TurnPull`, so the agent's reader knows how far behind it is
        // (`TurnFlow`).
        let (stream, continuation) = TurnSink.makeTurn()
        let table = self.table
        let ticket = turnTickets.withLock { tickets in
            tickets[handle.sessionKey, default: 0] += 1
            return tickets[handle.sessionKey]!
        }
        // A consumer that stops listening (its task cancelled) cancels the turn the ACP way.
        continuation.onConsumerCancelled {
            Task { await table.connection(for: handle)?.cancelTurn(latestTicket: ticket) }
        }
        Task(executorPreference: TaskAffinity.executor(for: handle.sessionKey)) {
            guard let connection = await table.connection(for: handle) else {
                continuation.yield(.failed(ACPError(.turnFailed, message: "the agent of this session is no longer running",
                                                    hint: "send the message again to restart it"), retryable: true))
                continuation.finish()
                return
            }
            await connection.startTurn(prompt: prompt, runId: runId, ticket: ticket, continuation: continuation)
        }
        return stream
    }

    /// The events of `handle`'s turn in flight that its consumer has not taken yet (`TurnFlow`).
    func unconsumedTurnEvents(_ handle: RuntimeHandle) async -> Int? {
        await table.connection(for: handle)?.unconsumedTurnEvents
    }

    public func cancel(_ handle: RuntimeHandle) async {
        let latest = turnTickets.withLock { $0[handle.sessionKey] ?? 0 }
        await table.connection(for: handle)?.cancelTurn(latestTicket: latest)
    }

    public func close(sessionKey: SessionKey, reason: CloseReason) async {
        turnTickets.withLock { $0[sessionKey] = nil }
        guard let connection = await table.remove(sessionKey) else { return }
        logger.debug("closing the agent of \(sessionKey) (\(reason.rawValue))")
        // Closed or reset for good (not evicted or shut down, which resume later): the agent frees it.
        if reason == .sessionClosed || reason == .reset { await connection.closeAgentSession() }
        _ = await connection.shutdown(turnError: ACPError(.sessionClosed, message: "the session was closed (\(reason.rawValue))"))
    }

    public func isAlive(_ handle: RuntimeHandle) async -> Bool {
        guard let connection = await table.connection(for: handle) else { return false }
        return await connection.isAlive
    }

    public func health() async -> BackendHealth {
        PosixSymbols.addChdir == nil
            ? .unhealthy(reason: "posix_spawn_file_actions_addchdir_np is missing from the C library")
            : .healthy
    }

    /// The pid of the agent process behind `handle` (diagnostics and tests).
    public func agentPid(_ handle: RuntimeHandle) async -> Int32? {
        await table.connection(for: handle)?.child.pid
    }

    /// The agent's environment: the passthrough names that are set in acpd's environment, then
    /// `agent.env`. Nothing else of acpd's environment (tokens, secrets) reaches the agent.
    static func environment(for request: EnsureSessionRequest) -> [String: String] {
        let host = ProcessInfo.processInfo.environment
        var environment: [String: String] = [:]
        for name in request.envPassthrough {
            if let value = host[name] { environment[name] = value }
        }
        for (name, value) in request.agent.env { environment[name] = value }
        return environment
    }
}
