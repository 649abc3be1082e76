#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Cancel, close, reset, status, and the runtime side of spawn.
extension SessionActor {
    /// Cancels the active run and the queued runs of `conversation` (nil: every queued run), in
    /// one transaction. Idle with nothing queued: returns `isNothing` and starts nothing.
    func cancel(conversation: ConversationRef?) async throws -> CancelOutcome {
        guard record.state != .closed else { return CancelOutcome(activeRun: nil, queuedRuns: []) }
        let queued = queue.filter { conversation == nil || $0.conversation == conversation }
        let activeRun = active.flatMap { $0.detached ? nil : $0.run }
        guard activeRun != nil || !queued.isEmpty else { return CancelOutcome(activeRun: nil, queuedRuns: []) }

        let stamp = time
        let newState: SessionState? = activeRun == nil ? nil : try nextState(.cancelRequested)
        let pending = queued.flatMap { pendingEvents([.cancelled], runId: $0.id, firstSeq: 1) }
        let ids = try store.cancelQueuedRuns(queued.map(\.id), session: key, settingState: newState, events: pending, at: stamp)
        let cancelledIds = Set(queued.map(\.id))
        queue.removeAll { cancelledIds.contains($0.id) }
        if let newState { adopt(newState) }
        let conversations = Dictionary(uniqueKeysWithValues: queued.map { ($0.id, $0.conversation) })
        context.hub.publish(committed(pending, ids: ids) { id in id.flatMap { conversations[$0] } ?? nil })
        for _ in queued { context.metrics.runEnded(.cancelled, code: nil, duration: nil) }
        if let activeRun, active?.cancelRequested == false {
            active?.cancelRequested = true
            await requestStop(activeRun.id)
        }
        return CancelOutcome(activeRun: activeRun?.id, queuedRuns: queued.map(\.id))
    }

    /// The runs that close and reset end as cancelled (the active one, if any, then the queued
    /// ones) and their events, to write in one transaction; after the commit the active run is
    /// detached (`afterCancelEverything`): its stream is ignored. Its pending permission requests
    /// get a `cancelled` resolution event ahead of the run's terminal event, so the conversation's
    /// prompt says it was withdrawn.
    private func cancelEverything() -> (runs: [RunID], events: [EventLog.Pending]) {
        var runs: [RunID] = []
        var pending: [EventLog.Pending] = []
        if let current = active, !current.detached {
            runs.append(current.run.id)
            let withdrawn = pendingPermissionPrompts.filter { permissions[$0.id]?.runId == current.run.id }.map {
                EventPayload.permissionResolved(PermissionResolution(id: $0.id, how: .cancelled, optionId: nil))
            }
            pending += pendingEvents(withdrawn + withdrawnElicitationEvents(of: current.run.id) + [.cancelled], runId: current.run.id, firstSeq: current.nextSeq)
        }
        for run in queue {
            runs.append(run.id)
            pending += pendingEvents([.cancelled], runId: run.id, firstSeq: 1)
        }
        return (runs, pending)
    }

    private func conversationsOfActiveAndQueued() -> [RunID: ConversationRef?] {
        var map: [RunID: ConversationRef?] = [:]
        if let current = active { map[current.run.id] = current.run.conversation }
        for run in queue { map[run.id] = run.conversation }
        return map
    }

    private func afterCancelEverything(_ pending: [EventLog.Pending], ids: [Int64]) {
        let conversations = conversationsOfActiveAndQueued()
        let published = committed(pending, ids: ids) { id in id.flatMap { conversations[$0] } ?? nil }
        if let current = active, !current.detached {
            active?.detached = true
            context.metrics.runEnded(.cancelled, code: nil, duration: .now - current.startedAt)
        }
        for _ in queue { context.metrics.runEnded(.cancelled, code: nil, duration: nil) }
        queue.removeAll()
        context.hub.publish(published)
    }

    /// Closes the session in one transaction (runs cancelled, state `closed`, runtime bindings
    /// ended, close event), then stops its runtime. Returns false when it was already closed.
    ///
    /// `alsoEnding`: active bindings of these sources end too (reason `reason`), and the session
    /// `thenCreating` (with its binding) is created last, both inside that same transaction; on a
    /// session that is already closed they still happen (in one transaction of their own), so a
    /// caller can finish what it came for.
    func close(reason: String, alsoEnding sources: Set<BindingSource> = [],
               thenCreating new: (session: SessionRecord, binding: NewBinding)? = nil) async throws -> Bool {
        let others = sources.subtracting([.runtime]).sorted { $0.rawValue < $1.rawValue }
        guard record.state != .closed else {
            if !others.isEmpty || new != nil {
                try store.endBindings(of: key, sources: others, reason: reason, thenCreating: new, at: time)
            }
            return false
        }
        let stamp = time
        let state = try nextState(.closed)
        let (runs, pending) = cancelEverything()
        let sessionEvent = pendingEvents([.sessionClosed(reason: reason)], runId: nil, firstSeq: sessionSeq + 1)
        let ids = try store.closeSession(key, state: state, cancelling: runs, endingBindingsFrom: others, reason: reason,
                                         events: pending + sessionEvent, thenCreating: new, at: stamp)
        sessionSeq += 1
        cancelPermissions(of: nil, appendEvents: false)
        cancelElicitations(of: nil, appendEvents: false)
        afterCancelEverything(pending + sessionEvent, ids: ids)
        adopt(state)
        logger.info("session closed", metadata: ["reason": "\(reason)"])
        let task = active?.task
        await closeRuntime(reason: .sessionClosed)
        await drain(task)
        return true
    }

    /// Cancels everything, ends the agent-side session and forgets its id, keeping the key and
    /// the bindings: the next turn starts a fresh agent session.
    func reset() async throws {
        guard record.state != .closed else { throw ACPError(.sessionClosed, detail: "session \(key)") }
        let stamp = time
        var state = record.state
        if state == .running { state = try nextState(.cancelRequested, from: state) }
        if state == .cancelling { state = try nextState(.runEnded, from: state) }
        if state == .error || state == .creating { state = try nextState(.recovered, from: state) }
        let (runs, pending) = cancelEverything()
        let sessionEvent = pendingEvents([.sessionReset], runId: nil, firstSeq: sessionSeq + 1)
        let finalState = state
        let ids = try store.resetSession(key, state: finalState, cancelling: runs, events: pending + sessionEvent, at: stamp)
        sessionSeq += 1
        cancelPermissions(of: nil, appendEvents: false)
        cancelElicitations(of: nil, appendEvents: false)
        afterCancelEverything(pending + sessionEvent, ids: ids)
        adopt(finalState)
        record.agentSessionId = nil
        crashesInARow = 0
        lastCrashAt = nil
        let task = active?.task
        await closeRuntime(reason: .reset)
        await drain(task)
    }

    /// Waits for the task of a detached run to end (its runtime was just stopped, so its stream
    /// ended); after `runDrainTimeout` the task is cancelled (e.g. one still waiting out the
    /// restart backoff), which ends the wait.
    private func drain(_ task: Task<Void, Never>?) async {
        guard let task else { return }
        let timeout = context.settings.runDrainTimeout
        // A `WatchdogTimer`: a cancelled sleep's timer would stay until its deadline (every `/new`).
        let watchdog = WatchdogTimer(after: timeout) { task.cancel() }
        await task.value
        watchdog.cancel()
    }

    /// A snapshot for `/acp status`.
    func status() throws -> SessionStatus {
        let bindings = try store.bindings(activeOnly: true, session: key)
        return SessionStatus(session: record, bindings: bindings, queueDepth: queue.count,
                             activeRun: active.flatMap { $0.detached ? nil : $0.run }, runtimeLive: runtime != nil,
                             lastEventAt: lastEventAt, pendingPermissions: pendingPermissionPrompts)
    }

    /// Stops the runtime at shutdown (runs still in flight end as their streams end).
    func shutdown() async {
        if let current = active, !current.detached, let handle = current.handle, let backend = runtime?.backend {
            await backend.cancel(handle)
        }
        await closeRuntime(reason: .shutdown)
    }

    // MARK: Spawn

    /// Starts the runtime of a session that is not stored yet (spawn starts it eagerly so that a
    /// failure reaches the user at once and leaves nothing behind).
    func startForSpawn() async throws(ACPError) -> RuntimeHandle {
        let backend = try await context.backends.requireHealthy(record.backend)
        guard let spec = context.agents(record.agentId) else {
            throw ACPError(.invalidArgument, message: "unknown agent \"\(record.agentId)\"", hint: "declare it under agents: in the config")
        }
        try checkWorkspace()
        try await context.slots.acquire(key, owner: self)
        do {
            let ensured = try await backend.ensureSession(EnsureSessionRequest(
                sessionKey: key, agent: spec, cwd: record.cwd, mode: record.mode, envPassthrough: context.settings.envPassthrough))
            runtime = (ensured.handle, backend)
            context.promptCapabilities.record(ensured.capabilities.prompt, agentId: record.agentId)
            record.agentSessionId = ensured.handle.agentSessionId
            await context.slots.idle(key)
            return ensured.handle
        } catch {
            await context.slots.release(key)
            await backend.close(sessionKey: key, reason: .sessionClosed)
            throw error
        }
    }

    /// Commits the spawn: session (idle), binding and optional first run, and the idempotency
    /// result, in one transaction. Nothing is stored when it throws.
    func commitSpawn(binding: NewBinding?, firstPrompt: [ContentBlock]?, conversation: ConversationRef?,
                     idempotency: IdempotencyKey?) throws -> SpawnResult {
        let stamp = time
        let state = try nextState(.ready)
        var stored = record
        stored.state = state
        let firstRun = firstPrompt.map { prompt in (id: RunID(), conversation: conversation ?? binding?.conversation, prompt: prompt) }
        let (result, run) = try store.commitSpawn(stored, binding: binding, firstRun: firstRun, idempotency: idempotency, at: stamp)
        record.state = state
        context.metrics.sessionMoved(from: nil, to: state)
        if let run { queue.append(run) }
        return result
    }

    /// Undoes `startForSpawn` after a failed commit.
    func abortSpawn() async {
        await closeRuntime(reason: .sessionClosed)
    }
}

extension SessionActor {
    /// The session's cwd must really lie under `acp.workspaceRoots` (symlinks resolved: a link
    /// inside a root that points at `/etc` does not count as inside). Checked before every
    /// runtime start, so spawned, config and route sessions and restarts are all covered.
    func checkWorkspace() throws(ACPError) {
        let roots = context.settings.workspaceRoots
        guard !RealPath.isWithin(record.cwd, roots: roots) else { return }
        throw ACPError(.invalidArgument, message: "the session's cwd lies outside acp.workspaceRoots once symlinks are resolved",
                       hint: "use a directory under \(roots.joined(separator: " or ")) that is not a link out of it",
                       detail: "cwd \(record.cwd) resolves to \(RealPath.resolve(record.cwd))")
    }
}
