import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// The `acpx` runtime backend: drives the acpx CLI (a headless ACP client) instead of speaking
/// ACP over pipes itself, behind the same contract as the `stdio` backend.
///
/// Every acpd session maps to one named acpx session (`AcpxSessionName`), scoped by the agent
/// command and cwd. `ensureSession` runs `acpx … sessions ensure`, a turn runs
/// `acpx … prompt --session NAME --file -` and maps its raw ACP JSON-RPC stream to runtime
/// events, `cancel` runs `acpx … cancel` (then terminates the prompt process if it does not end
/// within `AcpxOptions.cancelGrace`), and `close` runs `acpx … sessions close`.
///
/// acpx keeps the agent process alive between calls in its own detached queue-owner process, and
/// answers the agent's permission requests itself from `AcpxOptions.permissionMode`: no
/// `.permissionRequest` events are emitted (see docs/runtime-acpx.md). Safe to use from any
/// task; calls for different session keys run concurrently.
public final class AcpxRuntime: AgentRuntime {
    /// Always `acpx`.
    public let id = "acpx"
    let options: AcpxOptions
    let logger: Logger
    let sessions = AcpxSessionTable()
    let process: AcpxProcess
    private let healthCache: AcpxHealthProbe
    /// Nil unless `options.sessionRecordDirectory` is set.
    let records: AcpxSessionRecords?

    /// A backend calling acpx as `options.command`. Nothing is started until the first call.
    public init(options: AcpxOptions, logger: Logger = Logger(label: "acpd.runtime.acpx")) {
        self.options = options
        var logger = logger
        logger[metadataKey: "backend"] = "acpx"
        self.logger = logger
        self.process = AcpxProcess(acpx: options.command, logger: logger)
        self.healthCache = AcpxHealthProbe(options: options, logger: logger)
        self.records = options.sessionRecordDirectory.map(AcpxSessionRecords.init(directory:))
    }

    /// Runs `acpx sessions ensure` for the session's acpx name (unless this process already ensured
    /// it with the same agent and cwd: then `.existing`, nothing is started). `origin` is
    /// `.created` for a fresh acpx session, `.loaded` when acpx returned its saved session (or
    /// restored `resumeAgentSessionId`); acpx restores the agent side (`session/load`) on the
    /// next prompt. A failed resume falls back to a fresh session and says so in `resumeFailure`.
    public func ensureSession(_ request: EnsureSessionRequest) async throws(ACPError) -> EnsuredSession {
        guard !options.command.isEmpty, !request.agent.command.isEmpty else {
            throw ACPError(.configInvalid, message: "acpx.command and the agent command must not be empty")
        }
        if let live = await sessions.session(request.sessionKey), live.cwd == request.cwd,
           live.agentCommand == request.agent.command, live.agentEnv == request.agent.env {
            return EnsuredSession(handle: live.handle, origin: .existing, capabilities: Self.capabilities)
        }
        let name = AcpxSessionName(request.sessionKey)
        let commandLine = AcpxCommandLine(acpx: options.command, agentCommand: request.agent.command, cwd: request.cwd,
                                          permissionMode: options.permissionMode,
                                          queueOwnerTTLSeconds: options.queueOwnerTTLSeconds)
        let environment = AcpxProcess.environment(passthrough: request.envPassthrough, agentEnv: request.agent.env)
        var log = logger
        log[metadataKey: "session"] = "\(request.sessionKey)"
        log[metadataKey: "agent"] = "\(request.agent.id)"

        var resumeFailure: String?
        var ensured: AcpxEnsuredSession
        let resumeId = request.resumeAgentSessionId.flatMap { $0.isEmpty ? nil : $0 }
        do {
            ensured = try await runEnsure(commandLine, name: name, resume: resumeId, environment: environment, log: log)
        } catch let failure where resumeId != nil && failure.error.code != .backendUnavailable {
            log.notice("acpx could not resume the agent session; starting a fresh one",
                       metadata: ["resume": "\(resumeId ?? "")", "error": "\(failure.error)"])
            resumeFailure = "the agent could not restore its earlier session; this conversation starts without its context"
            do {
                ensured = try await runEnsure(commandLine, name: name, resume: nil, environment: environment, log: log)
            } catch {
                throw error.error
            }
        } catch {
            throw error.error
        }

        let origin: EnsuredSession.Origin = if !ensured.created || resumeId != nil && resumeFailure == nil { .loaded } else { .created }
        let handle = RuntimeHandle(sessionKey: request.sessionKey, backend: id, agentSessionId: ensured.acpSessionId,
                                   runtimeInstance: "acpx:\(ensured.recordId)")
        await sessions.store(AcpxSession(name: name, commandLine: commandLine, environment: environment, handle: handle,
                                         agentId: request.agent.id, agentCommand: request.agent.command,
                                         agentEnv: request.agent.env))
        saveRecord(AcpxSessionRecord(sessionKey: request.sessionKey.rawValue, agentId: request.agent.id,
                                     agentCommand: request.agent.command, cwd: request.cwd,
                                     envPassthrough: request.envPassthrough), name: name, log: log)
        log.info("acpx session ensured", metadata: [
            "acpx_session": "\(name)", "origin": "\(origin.rawValue)", "agent_session": "\(ensured.acpSessionId)",
        ])
        return EnsuredSession(handle: handle, origin: origin, resumeFailure: resumeFailure, capabilities: Self.capabilities)
    }

    /// A failed `sessions ensure`, with whether a retry may help (kept for the log).
    struct EnsureFailure: Error {
        let error: ACPError
        let retryable: Bool
    }

    private func runEnsure(_ commandLine: AcpxCommandLine, name: AcpxSessionName, resume: String?,
                           environment: [String: String], log: Logger) async throws(EnsureFailure) -> AcpxEnsuredSession {
        let completed: AcpxProcess.Completed
        do {
            completed = try await process.run(argv: commandLine.ensure(name, resumeSessionId: resume), environment: environment,
                                              cwd: commandLine.cwd, label: "acpx ensure \(name)",
                                              timeoutSeconds: options.controlTimeoutSeconds, killGraceSeconds: options.killGraceSeconds)
        } catch {
            throw EnsureFailure(error: error, retryable: false)
        }
        let output = AcpxControlOutput(lines: completed.stdout)
        if completed.timedOut {
            throw EnsureFailure(error: ACPError(.sessionInitFailed, message: "the agent did not start in time",
                                                detail: "acpx sessions ensure overran \(options.controlTimeoutSeconds)s"),
                                retryable: true)
        }
        if let (error, retryable) = AcpxExitStatus.ensureFailure(completed.exit, error: output.errors.last,
                                                                stderrTail: completed.stderrTail) {
            log.warning("acpx sessions ensure failed", metadata: ["exit": "\(completed.exit)", "error": "\(error)"])
            throw EnsureFailure(error: error, retryable: retryable)
        }
        guard let ensured = output.ensured else {
            throw EnsureFailure(error: ACPError(.protocolError, message: "acpx did not say which session it ensured",
                                                detail: "no session_ensured object in \(completed.stdout.count) stdout lines; stderr: \(completed.stderrTail.suffix(300))"),
                                retryable: false)
        }
        return ensured
    }

    /// What acpd knows of an agent behind acpx: acpx does not report the agent's `initialize`
    /// answer, so nothing beyond text and resource links is assumed.
    static let capabilities = RuntimeCapabilities(protocolVersion: 1, loadSession: false, prompt: PromptCapabilities())

    /// Asks acpx to cancel the turn in flight (`acpx cancel`, which sends ACP `session/cancel`).
    /// If the prompt process has not ended after `cancelGrace`, its process group is
    /// terminated. Returns once the cancel was sent; never starts a turn or a session.
    public func cancel(_ handle: RuntimeHandle) async {
        guard let session = await sessions.session(for: handle), let turn = await sessions.turn(handle.sessionKey) else {
            return
        }
        await cancel(turn, session: session)
    }

    func cancel(_ turn: AcpxActiveTurn, session: AcpxSession) async {
        guard let (prompt, first) = turn.requestCancel(), first else { return }
        var log = logger
        log[metadataKey: "session"] = "\(session.handle.sessionKey)"
        log[metadataKey: "run"] = "\(turn.runId)"
        do {
            let completed = try await process.run(argv: session.commandLine.cancel(session.name), environment: session.environment,
                                                  cwd: session.cwd, label: "acpx cancel \(session.name)",
                                                  timeoutSeconds: min(options.controlTimeoutSeconds, 30),
                                                  killGraceSeconds: options.killGraceSeconds)
            let cancelled = AcpxControlOutput(lines: completed.stdout).cancelled
            log.info("acpx cancel sent", metadata: ["exit": "\(completed.exit)", "cancelled": "\(cancelled.map(String.init) ?? "?")"])
        } catch {
            log.warning("acpx cancel could not run", metadata: ["error": "\(error)"])
        }
        guard let prompt else { return }  // not started yet: runTurn cancels when it attaches
        escalate(prompt, log: log)
    }

    /// Terminates the prompt process if it outlives the grace period (in the background, so
    /// `cancel` returns at once).
    func escalate(_ prompt: ChildProcess, log: Logger) {
        let grace = options.cancelGrace
        let kill = options.killGraceSeconds
        Task {
            if await prompt.waitForExit(timeout: grace) != nil { return }
            log.warning("acpx prompt did not end after cancel; terminating its process group", metadata: ["pid": "\(prompt.pid)"])
            prompt.signalGroup(SIGTERM)
            if await prompt.waitForExit(timeout: kill) != nil { return }
            _ = await prompt.kill()
        }
    }

    /// True while this process holds the session behind `handle` (ensured and not closed since).
    /// acpx itself keeps or restarts the agent process as needed.
    public func isAlive(_ handle: RuntimeHandle) async -> Bool {
        await sessions.session(for: handle) != nil
    }

    /// Healthy when `acpx --version` starts and exits 0; the answer is reused for
    /// `AcpxOptions.healthCacheSeconds`.
    public func health() async -> BackendHealth {
        await healthCache.check()
    }
}
