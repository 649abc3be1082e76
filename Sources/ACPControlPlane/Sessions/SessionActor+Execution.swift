#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a run ended, before it is written.
enum RunOutcome {
    case completed(stopReason: String)
    case failed(ACPError)
    case cancelled
    /// Close or reset already ended the run; only clean up.
    case detached

    var runState: RunState? {
        switch self {
        case .completed: .completed
        case .failed: .failed
        case .cancelled: .cancelled
        case .detached: nil
        }
    }
}

extension SessionActor {
    /// Runs the active run's turn to its end, then starts the next queued run.
    func runToEnd(_ runId: RunID) async {
        let outcome = await performTurn(runId)
        await finishDurably(runId, outcome)
        if active?.run.id == runId { active = nil }
        await syncAgentState()
        if record.mode == .oneshot, runtime != nil, record.state != .closed {
            await closeRuntime(reason: .oneshotDone)
        }
        pump()
    }

    private func performTurn(_ runId: RunID) async -> RunOutcome {
        guard let run = active?.run, run.id == runId else { return .detached }
        let handle: RuntimeHandle
        let backend: any AgentRuntime
        do {
            (handle, backend) = try await ensureRuntime(for: runId)
        } catch {
            return active?.detached == true ? .detached : (active?.cancelRequested == true ? .cancelled : .failed(error))
        }
        guard let current = active, current.run.id == runId, !current.detached else {
            if record.state == .closed { await closeRuntime(reason: .sessionClosed) }
            return .detached
        }
        if current.cancelRequested {
            await context.slots.idle(key)
            return .cancelled
        }
        active?.handle = handle

        let stream = backend.runTurn(handle, prompt: run.prompt, runId: runId)
        let timeout = effectiveTurnTimeout
        // Called off after nearly every run: a `WatchdogTimer`, not a cancelled `Task.sleep`, whose
        // timer the runtime would keep for the whole timeout (see `WatchdogTimer`).
        let watchdog = WatchdogTimer(after: timeout) { [weak self] in await self?.turnTimedOut(runId) }
        defer { watchdog.cancel() }

        var terminal: RuntimeEvent?
        for await event in stream {
            guard let now = active, now.run.id == runId, !now.detached else { break }
            if event.isTerminal {
                terminal = event
                break
            }
            await handleRuntimeEvent(event, run: runId)
            // A run streaming faster than the store writes waits here (the agent's pipe fills
            // and it slows down) rather than queueing without bound ahead of other sessions.
            await eventSink.waitForRoom()
        }
        await context.slots.idle(key)
        guard let final = active, final.run.id == runId, !final.detached else { return .detached }

        let outcome: RunOutcome
        switch terminal {
        case .done(.cancelled):
            outcome = .cancelled
        case .done(let reason):
            outcome = .completed(stopReason: reason.wire)
        case .failed(let error, _):
            outcome = final.cancelRequested ? .cancelled : .failed(error)
        default:
            outcome = final.cancelRequested ? .cancelled
                : .failed(ACPError(.turnFailed, message: "the agent stopped without ending the turn"))
        }
        let alive = await backend.isAlive(handle)
        if !alive, runtime?.handle == handle {
            runtime = nil
            await context.slots.release(key)
            if case .failed = outcome, !final.timedOut {
                crashesInARow += 1
                lastCrashAt = .now
                recordEvent(.notice("the agent stopped unexpectedly; it will be restarted with the next message"), run: runId)
                logger.warning("agent runtime died during a turn", metadata: ["run": "\(runId)", "crashes": "\(crashesInARow)"])
            }
        } else if case .completed = outcome {
            crashesInARow = 0
        }
        if final.timedOut {
            return .failed(ACPError(.turnTimeout, detail: "turn of run \(runId) exceeded \(effectiveTurnTimeout)"))
        }
        return outcome
    }

    /// The live runtime of this session, started (or restored) when needed, holding a busy slot.
    func ensureRuntime(for runId: RunID) async throws(ACPError) -> (RuntimeHandle, any AgentRuntime) {
        await waitForControlStart(except: runId)
        // A live runtime of this session's backend is used as it is: the backend's health matters
        // only for starting one (this keeps the per-turn path to a few actor hops).
        if let current = runtime {
            if current.backend.id == record.backend, await current.backend.isAlive(current.handle) {
                try await context.slots.acquire(key, owner: self)
                return (current.handle, current.backend)
            }
            runtime = nil
            await context.slots.release(key)
        }
        let backend = try await context.backends.requireHealthy(record.backend)
        let delay = context.settings.restartDelay(afterCrashes: crashesInARow)
        if let lastCrashAt, delay > .zero {
            try? await Task.sleep(until: lastCrashAt.advanced(by: delay), clock: .continuous)
            context.metrics.runtimeRestart(reason: "crash")
        }
        guard let spec = context.agents(record.agentId) else {
            throw ACPError(.sessionInitFailed, message: "agent \"\(record.agentId)\" is not declared in the config",
                           hint: "declare it under agents: or close this session with /acp close")
        }
        let allowed = context.settings.allowedAgents
        guard allowed.isEmpty || allowed.contains(record.agentId) else {
            throw ACPError(.agentNotAllowed, detail: "agent \(record.agentId) not in acp.allowedAgents")
        }
        try checkWorkspace()
        try await context.slots.acquire(key, owner: self)
        let request = EnsureSessionRequest(sessionKey: key, agent: spec, cwd: record.cwd, mode: record.mode,
                                           envPassthrough: context.settings.envPassthrough,
                                           resumeAgentSessionId: record.agentSessionId)
        let ensured: EnsuredSession
        do {
            ensured = try await backend.ensureSession(request)
        } catch {
            await context.slots.release(key)
            throw error
        }
        runtime = (ensured.handle, backend)
        context.promptCapabilities.record(ensured.capabilities.prompt, agentId: record.agentId)
        adoptAgentSession(ensured.handle.agentSessionId)
        if let failure = ensured.resumeFailure {
            recordEvent(.contextLost(reason: failure), run: runId)
            context.metrics.runtimeRestart(reason: "context_lost")
            logger.warning("agent session could not be restored; context lost", metadata: ["reason": "\(failure)"])
        }
        await runtimeStarted(ensured, runId: runId)
        return (ensured.handle, backend)
    }

    /// Stores the agent's session id when it changed (kept for `session/load` later).
    func adoptAgentSession(_ agentSessionId: String) {
        guard agentSessionId != record.agentSessionId else { return }
        let stamp = time
        do {
            try store.setAgentSessionId(agentSessionId, for: key, at: stamp)
            record.agentSessionId = agentSessionId
        } catch {
            logger.error("cannot store the agent session id", metadata: ["error": "\(error)"])
        }
    }

    private func handleRuntimeEvent(_ event: RuntimeEvent, run: RunID) async {
        switch event {
        case .text(let delta): recordEvent(.text(delta), run: run)
        case .toolCall(let call): recordEvent(.toolCall(call), run: run)
        case .plan(let entries): recordEvent(.plan(entries), run: run)
        case .usage(let usage): recordEvent(.usage(usage), run: run)
        case .modeChanged(let mode):
            recordEvent(.modeChanged(mode), run: run)
            agentSwitchedMode(mode)
        case .commandsUpdated(let commands): recordEvent(.commandsUpdated(commands), run: run)
        case .sessionInfo(let title): recordEvent(.sessionInfo(title: title), run: run)
        case .outputDropped(let reason): recordEvent(.notice("⚠️ some agent output could not be read: \(reason)"), run: run)
        case .permissionRequest(let request): await handlePermissionRequest(request, run: run)
        case .elicitation(let signal): await handleElicitationSignal(signal, run: run)
        case .done, .failed: break
        }
    }

    /// The first wait before `finish` is tried again after the store refused it; doubled after
    /// each refusal up to `finishRetryLongestDelay`.
    static let finishRetryFirstDelay: Duration = .milliseconds(200)
    static let finishRetryLongestDelay: Duration = .seconds(30)

    /// `finish`, tried again while the store refuses the write (a full disk, an I/O error): the
    /// run's end is what its conversation waits for, what lets the next queued run start and what
    /// moves the session on, so it is not given up while the run is still open in the store. The
    /// actor serves other calls while it waits (a submit queues; a close detaches the run, which
    /// ends the retries). Ends without storing when the task is cancelled, the store was closed or
    /// it shows the run ended already; a run left open is ended by recovery at the next start.
    func finishDurably(_ runId: RunID, _ outcome: RunOutcome) async {
        var delay = Self.finishRetryFirstDelay
        var attempts = 1
        while !finish(runId, outcome) {
            // Cancelled, or the store was closed (shutdown): recovery ends the run at the next start.
            if Task.isCancelled || store.isClosed { return }
            if let stored = try? store.run(runId), ![.queued, .running].contains(stored.state) {
                logger.error("run already ended in the store; not retrying its end", metadata: ["run": "\(runId)", "state": "\(stored.state.rawValue)"])
                return
            }
            logger.error("retrying the end of a run", metadata: ["run": "\(runId)", "attempts": "\(attempts)", "in": "\(delay)"])
            try? await WatchdogTimer.sleep(for: delay)
            delay = min(delay * 2, Self.finishRetryLongestDelay)
            attempts += 1
        }
        if attempts > 1 { logger.notice("recorded the end of a run", metadata: ["run": "\(runId)", "attempts": "\(attempts)"]) }
    }

    /// Records the end of the active run `runId` (its terminal event, the run's and the session's
    /// state, in one transaction), counts it in the metrics and publishes it. False when the store refused the write (nothing changed, in the
    /// store or here); true otherwise, also when there was nothing to record.
    @discardableResult
    func finish(_ runId: RunID, _ outcome: RunOutcome) -> Bool {
        guard let current = active, current.run.id == runId, !current.detached, let runState = outcome.runState else { return true }
        cancelPermissions(of: runId, appendEvents: true)
        cancelElicitations(of: runId, appendEvents: true)
        let failure: ACPError? = if case .failed(let error) = outcome { error } else { nil }
        let sessionFails = failure.map { [.sessionInitFailed, .backendMissing, .backendUnavailable, .agentNotAllowed].contains($0.code) } ?? false
        let stopReason: String? = if case .completed(let reason) = outcome { reason } else { nil }
        let payload: EventPayload = switch outcome {
        case .completed(let reason): .completed(stopReason: reason)
        case .failed(let error): .failed(code: error.code, message: error.message)
        default: .cancelled
        }
        let stamp = time
        let state: SessionState
        do {
            state = try nextState(sessionFails ? .failed : .runEnded)
        } catch {
            logger.critical("cannot end a run in this session state", metadata: ["run": "\(runId)", "error": "\(error)"])
            return true
        }
        do {
            let unstored = active?.unstoredBytes ?? 0
            let payloads = unstored > 0 ? [Self.unstoredMarker(bytes: unstored), payload] : [payload]
            let pending = pendingEvents(payloads, runId: runId, firstSeq: active?.nextSeq ?? current.nextSeq)
            let ids = try store.finishRun(runId, runState, stopReason: stopReason, error: failure, session: key, sessionState: state,
                                          events: pending, at: stamp)
            adopt(state, error: failure)
            record.lastActivityAt = context.now()
            active?.detached = true
            // Counted before it is published: whoever sees the run's end sees it counted.
            context.metrics.runEnded(runState, code: failure?.code, duration: .now - current.startedAt)
            context.hub.publish(committed(pending, ids: ids) { _ in current.run.conversation })
            if let failure {
                logger.info("run failed", metadata: ["run": "\(runId)", "code": "\(failure.code.rawValue)", "detail": "\(failure.detail ?? "")"])
            } else {
                logger.debug("run ended", metadata: ["run": "\(runId)", "state": "\(runState.rawValue)", "stopReason": "\(stopReason ?? "-")",
                                                     "seconds": "\((ContinuousClock.now - current.startedAt).seconds)"])
            }
        } catch {
            logger.critical("cannot record the end of a run", metadata: ["run": "\(runId)", "error": "\(error)"])
            return false  // the store refused: nothing changed, `finishDurably` tries again
        }
        return true
    }

    /// Stops the runtime of this session (if any) and frees its slot.
    func closeRuntime(reason: CloseReason) async {
        let backend = runtime?.backend
        runtime = nil
        await context.slots.release(key)
        if let backend {
            await backend.close(sessionKey: key, reason: reason)
        } else if let registered = try? await context.backends.lookup(record.backend) {
            await registered.close(sessionKey: key, reason: reason)
        }
    }

    /// Gives the runtime up for `acp.maxConcurrentSessions` or the idle TTL, unless a run is in flight.
    func evictRuntime(reason: CloseReason) async {
        guard active == nil, let current = runtime else { return }
        runtime = nil
        await context.slots.release(key)
        logger.info("stopping idle runtime", metadata: ["reason": "\(reason.rawValue)"])
        await current.backend.close(sessionKey: key, reason: reason)
    }

    // MARK: Timeouts and cancellation

    /// The turn ran past `acp.turnTimeoutSeconds`: cancel it. The run then fails with
    /// ACP_TURN_TIMEOUT whichever way its stream ends.
    func turnTimedOut(_ runId: RunID) async {
        guard let current = active, current.run.id == runId, !current.detached else { return }
        active?.timedOut = true
        logger.warning("turn timed out; cancelling", metadata: ["run": "\(runId)"])
        await requestStop(runId)
    }

    /// Answers the run's pending permission requests `cancelled` and sends `session/cancel`. No
    /// timer here: an agent that ignores the cancel is the backend's to stop (`AgentRuntime.cancel`
    /// guarantees the turn's stream ends after the backend's cancel grace).
    func requestStop(_ runId: RunID) async {
        cancelPermissions(of: runId, appendEvents: true)
        cancelElicitations(of: runId, appendEvents: true)
        if let handle = active?.handle, let backend = runtime?.backend {
            await backend.cancel(handle)
        }
    }
}
