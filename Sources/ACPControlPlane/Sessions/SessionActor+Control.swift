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
        let ids = try store.write { db in
            for run in queued { try RunTables.markEnded(db, id: run.id, .cancelled, at: stamp) }
            if let newState { try SessionTables.setState(db, key: key, newState, at: stamp) }
            return try EventLog.append(db, pending, at: stamp)
        }
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

    /// Ends the active run (if any) and all queued runs as cancelled inside `db`, returning
    /// the events to publish after the commit. The active run is detached: its stream is ignored.
    /// Its pending permission requests get a `cancelled` resolution event ahead of the run's
    /// terminal event, so the conversation's prompt says it was withdrawn.
    private func cancelEverything(_ db: Database, at stamp: Double) throws -> [EventLog.Pending] {
        var pending: [EventLog.Pending] = []
        if let current = active, !current.detached {
            try RunTables.markEnded(db, id: current.run.id, .cancelled, at: stamp)
            let withdrawn = pendingPermissionPrompts.filter { permissions[$0.id]?.runId == current.run.id }.map {
                EventPayload.permissionResolved(PermissionResolution(id: $0.id, how: .cancelled, optionId: nil))
            }
            pending += pendingEvents(withdrawn + [.cancelled], runId: current.run.id, firstSeq: current.nextSeq)
        }
        for run in queue {
            try RunTables.markEnded(db, id: run.id, .cancelled, at: stamp)
            pending += pendingEvents([.cancelled], runId: run.id, firstSeq: 1)
        }
        return pending
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
    /// `alsoEnding`: active bindings of these sources end too (reason `reason`), and `extra` runs
    /// last, both inside that same transaction; on a session that is already closed they still
    /// run (in one transaction of their own), so a caller can finish what it came for.
    func close(reason: String, alsoEnding sources: Set<BindingSource> = [],
               extra: (@Sendable (Database, Double) throws -> Void)? = nil) async throws -> Bool {
        let others = sources.subtracting([.runtime]).sorted { $0.rawValue < $1.rawValue }
        guard record.state != .closed else {
            if !others.isEmpty || extra != nil {
                let stamp = time
                try store.write { db in
                    if !others.isEmpty { try SessionTables.endBindings(db, key: key, sources: others, reason: reason, at: stamp) }
                    try extra?(db, stamp)
                }
            }
            return false
        }
        let stamp = time
        let state = try nextState(.closed)
        var pending: [EventLog.Pending] = []
        let sessionEvent = pendingEvents([.sessionClosed(reason: reason)], runId: nil, firstSeq: sessionSeq + 1)
        let ids = try store.write { db in
            pending = try cancelEverything(db, at: stamp)
            try SessionTables.setState(db, key: key, state, at: stamp)
            try SessionTables.endBindings(db, key: key, sources: [.runtime], reason: "session closed", at: stamp)
            if !others.isEmpty { try SessionTables.endBindings(db, key: key, sources: others, reason: reason, at: stamp) }
            try db.cachedStatement(sql: "UPDATE acp_permission_requests SET state = 'cancelled', outcome = 'cancelled', answered_at = ? WHERE session_key = ? AND state = 'pending'").execute(arguments: [stamp, key.rawValue])
            let ids = try EventLog.append(db, pending + sessionEvent, at: stamp)
            try extra?(db, stamp)
            return ids
        }
        sessionSeq += 1
        cancelPermissions(of: nil, appendEvents: false)
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
        var pending: [EventLog.Pending] = []
        let sessionEvent = pendingEvents([.sessionReset], runId: nil, firstSeq: sessionSeq + 1)
        let finalState = state
        let ids = try store.write { db in
            pending = try cancelEverything(db, at: stamp)
            try SessionTables.setState(db, key: key, finalState, at: stamp)
            try SessionTables.setAgentSessionId(db, key: key, nil, at: stamp)
            try db.cachedStatement(sql: "UPDATE acp_permission_requests SET state = 'cancelled', outcome = 'cancelled', answered_at = ? WHERE session_key = ? AND state = 'pending'").execute(arguments: [stamp, key.rawValue])
            return try EventLog.append(db, pending + sessionEvent, at: stamp)
        }
        sessionSeq += 1
        cancelPermissions(of: nil, appendEvents: false)
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
        let watchdog = Task {
            do { try await Task.sleep(for: timeout) } catch { return }
            task.cancel()
        }
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
        try await context.slots.acquire(key, owner: self)
        do {
            let ensured = try await backend.ensureSession(EnsureSessionRequest(
                sessionKey: key, agent: spec, cwd: record.cwd, mode: record.mode, envPassthrough: context.settings.envPassthrough))
            runtime = (ensured.handle, backend)
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
        let runId = firstPrompt == nil ? nil : RunID()
        let (result, run): (SpawnResult, RunRecord?) = try store.write { db in
            try SessionTables.insert(db, stored)
            let bound = try binding.map { try SessionTables.insertBinding(db, key: key, $0, at: stamp) }
            let run = try runId.map { id in
                try RunTables.insert(db, id: id, key: key, lane: .normal, conversation: conversation ?? binding?.conversation,
                                     prompt: firstPrompt ?? [], at: stamp)
            }
            let result = SpawnResult(sessionKey: key, bindingId: bound?.id, firstRun: runId, replayed: false)
            if let idempotency {
                try IdempotencyTable.complete(db, idempotency, result: String(decoding: try JSONEncoder().encode(result), as: UTF8.self),
                                              at: stamp)
            }
            return (result, run)
        }
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
