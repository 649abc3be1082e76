import JSONKit
import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Metrics
import NIOPosix

/// Why a request acpd sent did not produce a result.
enum CallFailure: Error {
    /// The agent answered with a JSON-RPC error.
    case rpc(JSONRPCError)
    /// No answer: the agent died, the line could not be written, or the request timed out.
    case transport(ACPError)

    var message: String {
        switch self {
        case .rpc(let error): error.message
        case .transport(let error): error.message
        }
    }
}

/// The JSON-RPC side of one agent process: it owns the process, reads its stdout in one task,
/// matches responses to acpd's requests by id (acpd's ids and the agent's ids are separate
/// spaces), answers the agent's requests exactly once, and routes `session/update`s to the turn
/// in flight. The ACP session setup, turns, permissions and fs live in extensions.
actor AgentConnection {
    enum Pending {
        case call(method: String, CheckedContinuation<Result<JSONValue, CallFailure>, Never>)
        /// The `session/prompt` of the turn with this token: its response ends the turn at once,
        /// so no later update can slip into a finished turn.
        case prompt(token: UInt64)
    }

    struct ActiveTurn {
        let token: UInt64
        let runId: RunID
        let continuation: TurnSink
        let prompt: [WireContentBlock]
        var cancelRequested = false
        var authRetried = false
        var graceTask: Task<Void, Never>?
        /// Whether the run was told that some agent output was dropped (once per run).
        var toldAboutDroppedOutput = false
    }

    struct PendingPermission {
        let optionIds: Set<String>
    }

    let child: ChildProcess
    let instance: String
    let sessionKey: SessionKey
    let agent: AgentSpec
    let cwd: String
    let options: StdioRuntimeOptions
    let logger: Logger
    private let onDeath: @Sendable (AgentConnection, ACPError) async -> Void

    var capabilities = RuntimeCapabilities()
    var authMethods: [AuthMethod] = []
    var agentSessionId: String?
    var loadingSessionId: String?
    var replayedUpdates = 0
    /// Modes, config options, commands, usage (AgentConnection+SessionControls).
    var agentState = AgentSessionState()

    private var nextRequestId: Int64 = 0
    private var pending: [RequestID: Pending] = [:]
    var turn: ActiveTurn?
    var turnCounter: UInt64 = 0
    /// The ticket of the last `runTurn` that reached this connection (see `StdioRuntime.turnTickets`).
    var lastStartedTicket: UInt64 = 0
    /// Turns with a ticket up to this one were cancelled before they reached the connection.
    var cancelledBeforeStart: UInt64 = 0
    var permissions: [RequestID: PendingPermission] = [:]
    /// The agent's `elicitation/create` requests waiting for an answer.
    var elicitations: Set<RequestID> = []
    /// Set once the agent is gone: every later call fails with it.
    private(set) var death: ACPError?
    /// True when acpd itself stops the agent (close, kill after cancel): not a crash.
    var stopping = false
    private var readTask: Task<Void, Never>?

    init(child: ChildProcess, sessionKey: SessionKey, agent: AgentSpec, cwd: String, options: StdioRuntimeOptions,
         logger: Logger, onDeath: @escaping @Sendable (AgentConnection, ACPError) async -> Void) {
        self.child = child
        self.instance = "\(child.pid)-\(UUID().uuidString.prefix(8))"
        self.sessionKey = sessionKey
        self.agent = agent
        self.cwd = cwd
        self.options = options
        var logger = logger
        logger[metadataKey: "pid"] = "\(child.pid)"
        logger[metadataKey: "session"] = "\(sessionKey)"
        logger[metadataKey: "agent"] = "\(agent.id)"
        self.logger = logger
        self.onDeath = onDeath
    }

    /// Starts reading the agent's stdout. Call once.
    func start() {
        let child = self.child
        readTask = Task(executorPreference: TaskAffinity.executor(for: sessionKey)) { [weak self] in
            for await batch in child.stdoutBatches {
                guard let self else { return }
                // The lines of a batch in one call to the actor, except that a big line is parsed
                // on a thread of the blocking pool, not on the event loop this session's tasks
                // prefer (tens of milliseconds for tens of megabytes, during which that loop
                // would serve no other session).
                var start = 0
                for (index, item) in batch.enumerated() {
                    guard case .success(let line) = item, line.count >= AgentConnection.decodeAsideBytes else { continue }
                    if start < index { await self.receive(batch[start..<index]) }
                    let decoded = await AgentConnection.decodeAside(line)
                    await self.receive(line, decoded: decoded)
                    start = index + 1
                }
                if start < batch.count { await self.receive(batch[start...]) }
                // The turn's consumer is far behind: read nothing more until it catches up (the
                // pipe fills and the agent waits), `TurnFlow`.
                await self.turnFlow?.waitForRoom()
            }
            await self?.stdoutClosed()
        }
    }

    /// The events of the turn in flight its consumer has not taken yet; nil without a turn.
    var unconsumedTurnEvents: Int? { turn?.continuation.flow.outstanding }

    /// The turn in flight's flow (its reader waits there while the consumer is far behind).
    private var turnFlow: TurnFlow? { turn?.continuation.flow }

    /// True while the process runs and acpd is not stopping it.
    var isAlive: Bool { death == nil && !stopping && child.exitStatus == nil }

    // MARK: Reading

    private func receive(_ items: ArraySlice<Result<[UInt8], ACPError>>) {
        for item in items { receive(item) }
    }

    private func receive(_ item: Result<[UInt8], ACPError>) {
        let bytes: [UInt8]
        switch item {
        case .failure(let error):
            logger.error("\(error.message)", metadata: ["detail": "\(error.detail ?? "")"])
            outputDropped("a line longer than the size cap was dropped", reason: "too_long")
            return
        case .success(let line):
            bytes = line
        }
        if options.wireTap != nil || logger.logLevel <= .debug {
            let text = String(decoding: bytes, as: UTF8.self)
            logger.debug("← \(text)")
            options.wireTap?(WireLine(direction: .incoming, text: text, pid: child.pid))
        }
        receive(bytes, decoded: Self.decode(bytes))
    }

    /// `bytes`, a line already decoded (`decoded`).
    private func receive(_ bytes: [UInt8], decoded: Result<AgentMessage, ACPError>) {
        let message: AgentMessage
        switch decoded {
        case .success(let value):
            message = value
        case .failure(let error):
            logger.warning("skipping a malformed line from the agent: \(error.message)", metadata: ["detail": "\(error.detail ?? "")"])
            outputDropped("a line that is not valid JSON-RPC was skipped", reason: "malformed")
            return
        }
        dispatch(message)
        MemoryTrim.shared.noteMessage(bytes: bytes.count)
    }

    /// Lines at least this long are parsed aside (`decodeAside`).
    static let decodeAsideBytes = 1 << 20

    /// Parses `line` on a thread of SwiftNIO's blocking pool; in place when the pool is not running.
    static func decodeAside(_ line: [UInt8]) async -> Result<AgentMessage, ACPError> {
        (try? await NIOThreadPool.singleton.runIfActive { decode(line) }) ?? decode(line)
    }

    /// `line` parsed, or why it could not be.
    static func decode(_ line: [UInt8]) -> Result<AgentMessage, ACPError> {
        do throws(ACPError) { return .success(try AgentMessage.decode(line: line)) } catch { return .failure(error) }
    }

    private func dispatch(_ message: AgentMessage) {
        switch message {
        case .response(let id, let result):
            guard let entry = pending.removeValue(forKey: id) else {
                logger.warning("response to unknown request id \(id) ignored")
                return
            }
            switch entry {
            case .call(_, let continuation): continuation.resume(returning: result.mapError { .rpc($0) })
            case .prompt(let token): promptAnswered(token: token, result: result)
            }
        case .sessionUpdate(let notification):
            handleUpdate(notification)
        case .cancelRequest(let id):
            withdrawPermission(id)
        case .notification("elicitation/complete", let params):
            elicitationCompleted(params)
        case .notification(let method, _):
            logger.debug("ignoring notification \(method)")
        case .invalidNotification(let method, let reason):
            logger.warning("ignoring invalid \(method) notification: \(reason)")
            outputDropped("an invalid \(method) notification was skipped", reason: "invalid_notification")
        case .request(let id, let request):
            handleRequest(id: id, request)
        case .invalidRequest(let id, let method, let reason):
            logger.warning("invalid \(method) request: \(reason)")
            respondError(id: id, JSONRPCError(code: JSONRPCError.invalidParams, message: "Invalid params", data: .string(reason)))
        }
    }

    private func stdoutClosed() async {
        let exit = await child.waitForExit(timeout: 3)
        let reason = exit.map { "the agent exited (\($0))" } ?? "the agent closed its output"
        let stderr = child.recentStderr.suffix(20).joined(separator: "\n")
        markDead(ACPError(.turnFailed, message: reason, hint: "send the message again to restart the agent",
                          detail: stderr.isEmpty ? "no stderr output" : "recent stderr:\n\(stderr)"))
        if exit == nil { _ = await child.kill() }
    }

    /// Fails everything that waits on the agent, once.
    func markDead(_ error: ACPError) {
        guard death == nil else { return }
        death = error
        if stopping {
            logger.debug("agent stopped")
        } else {
            logger.warning("\(error.message)", metadata: ["detail": "\(error.detail ?? "")"])
        }
        let waiting = pending
        pending = [:]
        for (_, entry) in waiting {
            if case .call(_, let continuation) = entry { continuation.resume(returning: .failure(.transport(error))) }
        }
        permissions = [:]
        elicitations = []
        finishTurn(.failed(error, retryable: true))
        Task { await onDeath(self, error) }
    }

    // MARK: Writing

    /// Queues one line for the agent (in call order), logging and tapping it.
    func send(_ line: [UInt8]) throws(ACPError) {
        if options.wireTap != nil || logger.logLevel <= .debug {
            let text = String(decoding: line, as: UTF8.self)
            logger.debug("→ \(text)")
            options.wireTap?(WireLine(direction: .outgoing, text: text, pid: child.pid))
        }
        let written = try child.submitWrite(line: line)
        let logger = self.logger
        written.whenFailure { error in logger.debug("write to the agent failed: \(error)") }
    }

    /// Sends a request and waits for its result (or a transport failure; `timeout` nil = none).
    func call(_ method: String, _ params: some Encodable & Sendable, timeout: Double?) async -> Result<JSONValue, CallFailure> {
        if let death { return .failure(.transport(death)) }
        let id = allocateId()
        let line: [UInt8]
        do {
            line = try JSONRPCEncoder.request(id: id, method: method, params: params)
        } catch {
            return .failure(.transport(ACPError(.protocolError, message: "cannot encode \(method)", detail: "\(error)")))
        }
        // Called off as soon as the call returns (a task left sleeping to the deadline, 120 s for
        // most requests, kept its memory that long after every call); see `WatchdogTimer`. It
        // cannot fire before `pending[id]` is set: that happens on this actor without a suspension.
        let timer = timeout.map { timeout in
            WatchdogTimer(after: .seconds(max(0, timeout))) { [weak self] in await self?.timeOut(id, method: method, after: timeout) }
        }
        defer { timer?.cancel() }
        return await withCheckedContinuation { continuation in
            pending[id] = .call(method: method, continuation)
            do throws(ACPError) {
                try send(line)
            } catch {
                pending[id] = nil
                continuation.resume(returning: .failure(.transport(error)))
            }
        }
    }

    private func timeOut(_ id: RequestID, method: String, after seconds: Double) {
        guard case .call(_, let continuation)? = pending.removeValue(forKey: id) else { return }
        let error = ACPError(.sessionInitFailed, message: "the agent did not answer \(method) within \(Int(seconds)) s",
                             detail: child.recentStderr.suffix(20).joined(separator: "\n"))
        continuation.resume(returning: .failure(.transport(error)))
    }

    /// Sends `session/prompt` whose response ends the turn `token` (see `Pending.prompt`).
    func sendPrompt(_ params: PromptRequest, token: UInt64) throws(ACPError) {
        if let death { throw death }
        let id = allocateId()
        let line: [UInt8]
        do {
            // Written directly (no JSONEncoder) for the usual blocks; the encoder for the rest.
            line = try JSONRPCPromptWriter.request(id: id, params)
                ?? JSONRPCEncoder.request(id: id, method: "session/prompt", params: params)
        } catch {
            throw ACPError(.protocolError, message: "cannot encode the prompt", detail: "\(error)")
        }
        pending[id] = .prompt(token: token)
        do throws(ACPError) { try send(line) } catch { pending[id] = nil; throw error }
    }

    func notify(_ method: String, _ params: some Encodable) {
        do {
            try send(try JSONRPCEncoder.notification(method: method, params: params))
        } catch {
            logger.warning("could not send \(method): \(error)")
        }
    }

    func respond(id: RequestID, _ result: some Encodable) {
        do {
            try send(try JSONRPCEncoder.result(id: id, result))
        } catch {
            logger.warning("could not answer request \(id): \(error)")
        }
    }

    func respondError(id: RequestID, _ error: JSONRPCError) {
        do throws(ACPError) {
            try send(JSONRPCEncoder.error(id: id, error))
        } catch {
            logger.warning("could not answer request \(id): \(error)")
        }
    }

    private func allocateId() -> RequestID {
        defer { nextRequestId += 1 }
        return .int(nextRequestId)
    }

    // MARK: Stopping

    /// Ends any turn with `error`, then shuts the agent down (stdin → SIGTERM → SIGKILL of the
    /// group) and reaps it.
    func shutdown(turnError: ACPError) async -> ProcessExit {
        stopping = true
        if turn != nil {
            cancelTurnForShutdown()
            finishTurn(.failed(turnError, retryable: false))
        }
        return await child.terminate(graceSeconds: options.terminateGrace)
    }

    /// Kills the agent's process group now (the agent ignored a cancel).
    func killNow() async {
        stopping = true
        _ = await child.kill()
    }
}

extension AgentConnection {
    /// Counts agent output that could not be read (`acpd_agent_output_dropped_total{reason}`) and
    /// tells the run in progress once (`RuntimeEvent.outputDropped`): the conversation learns that
    /// what it sees may be incomplete, instead of a run that silently ends `completed`.
    func outputDropped(_ what: String, reason: String) {
        Counter(label: "acpd_agent_output_dropped_total", dimensions: [("reason", reason)]).increment()
        guard var current = turn, !current.toldAboutDroppedOutput else { return }
        current.toldAboutDroppedOutput = true
        turn = current
        current.continuation.yield(.outputDropped(what))
    }
}
