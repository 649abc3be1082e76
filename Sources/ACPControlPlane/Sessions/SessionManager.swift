#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// The single writer of control-plane state: creates sessions, queues runs, cancels, closes and
/// resets them, answers permission requests, and fans committed events out to subscribers.
///
/// One `SessionActor` per session key, created lazily on first use; different sessions run in
/// parallel, runs of one session one at a time in submission order (steered runs first).
/// Methods throw `ACPError` (stable codes) or `StoreError` (the store failed).
public actor SessionManager {
    private let context: SessionActor.Context
    private var actors: [SessionKey: SessionActor] = [:]

    /// - Parameters:
    ///   - agents: agent id → spec (nil: not declared).
    ///   - now: the wall clock used for timestamps and idle TTLs (injectable for tests).
    public init(store: ControlPlaneStore, backends: BackendRegistry, agents: @escaping AgentLookup,
                settings: ControlPlaneSettings = ControlPlaneSettings(), metrics: ControlPlaneMetrics = ControlPlaneMetrics(),
                logger: Logger = Logger(label: "acpd.control-plane"), now: @escaping @Sendable () -> Date = { Date() }) {
        let slots = RuntimeSlots(limit: settings.maxConcurrentSessions, now: now, metrics: metrics)
        context = SessionActor.Context(store: store, hub: EventHub(), backends: backends, agents: agents, settings: settings,
                                       slots: slots, metrics: metrics, logger: logger, now: now)
    }

    /// The store this manager writes.
    public nonisolated var store: ControlPlaneStore { context.store }

    /// The settings in force.
    public nonisolated var settings: ControlPlaneSettings { context.settings }

    // MARK: Sessions

    /// The actor of `key` if it is live (nil: none made yet, none is created here).
    func liveActor(_ key: SessionKey) -> SessionActor? { actors[key] }

    func sessionActor(_ key: SessionKey) throws -> SessionActor {
        if let existing = actors[key] { return existing }
        guard let (record, runs, sessionSeq) = try store.sessionForActor(key) else {
            throw ACPError(.sessionNotFound, message: "no session \(key)")
        }
        let actor = SessionActor(record: record, queued: runs, sessionSeq: sessionSeq, context: context)
        actors[key] = actor
        return actor
    }

    /// Creates a session (state `idle`, no runtime yet: it starts with the first turn) and, if
    /// given, its binding, in one transaction. A closed session with the same key is replaced by
    /// the new one; an open one is `ACP_INVALID_ARGUMENT`.
    @discardableResult
    public func createSession(_ new: NewSession, binding: NewBinding? = nil) throws -> (session: SessionRecord, binding: BindingRecord?) {
        try checkAgent(new.agentId)
        let now = context.now()
        let record = SessionRecord(key: new.key, agentId: new.agentId, cwd: new.cwd, mode: new.mode, backend: new.backend,
                                   label: new.label, state: .idle, createdAt: now)
        let previous = try store.session(new.key)
        let bound = try store.insertSession(record, binding: binding, at: now.timeIntervalSince1970)
        actors[new.key] = nil
        context.metrics.sessionMoved(from: previous?.state, to: .idle)
        return (record, bound)
    }

    /// Returns the open session with this key, creating it (and replacing a closed one) when
    /// needed, and makes sure `binding` exists. For config and route bindings, whose keys are
    /// deterministic. `created` tells whether a session was made.
    public func ensureSession(_ new: NewSession, binding: NewBinding? = nil) throws -> (session: SessionRecord, binding: BindingRecord?, created: Bool) {
        if let existing = try store.session(new.key), existing.state != .closed {
            let stamp = context.now().timeIntervalSince1970
            let bound = try binding.map { try store.insertBinding($0, for: new.key, at: stamp) }
            return (existing, bound, false)
        }
        let (record, bound) = try createSession(new, binding: binding)
        return (record, bound, true)
    }

    /// Creates a session, starts its runtime, binds it and queues the first prompt: all or
    /// nothing. The session, binding, first run and the idempotency result commit in one
    /// transaction; when anything fails the runtime is stopped and nothing is stored.
    /// A completed `idempotency` key replays its result and starts nothing.
    public func spawn(_ new: NewSession, binding: NewBinding? = nil, firstPrompt: [ContentBlock]? = nil,
                      conversation: ConversationRef? = nil, idempotency: IdempotencyKey? = nil) async throws -> SpawnResult {
        if let idempotency, let replay = try replayed(idempotency, as: SpawnResult.self) {
            return SpawnResult(sessionKey: replay.sessionKey, bindingId: replay.bindingId, firstRun: replay.firstRun, replayed: true)
        }
        try checkAgent(new.agentId)
        if let existing = try store.session(new.key), existing.state != .closed {
            throw ACPError(.invalidArgument, message: "session \(new.key) already exists")
        }
        if let binding, let taken = try store.activeBindings(for: binding.conversation).first(where: { $0.source == binding.source }) {
            throw ACPError(.bindingConflict, message: "this conversation is already bound to \(taken.sessionKey)")
        }
        let record = SessionRecord(key: new.key, agentId: new.agentId, cwd: new.cwd, mode: new.mode, backend: new.backend,
                                   label: new.label, state: .creating, createdAt: context.now())
        let actor = SessionActor(record: record, queued: [], sessionSeq: 0, context: context)
        do {
            _ = try await actor.startForSpawn()
        } catch {
            context.metrics.spawn(backend: new.backend, error: error)
            throw error
        }
        let result: SpawnResult
        do {
            result = try await actor.commitSpawn(binding: binding, firstPrompt: firstPrompt, conversation: conversation,
                                                 idempotency: idempotency)
        } catch {
            await actor.abortSpawn()
            context.metrics.spawn(backend: new.backend, error: error as? ACPError ?? ACPError(.sessionInitFailed, detail: "\(error)"))
            throw error
        }
        actors[new.key] = actor
        context.metrics.spawn(backend: new.backend, error: nil)
        await actor.pump()
        return result
    }

    /// Queues a prompt (FIFO behind the session's queued runs) and returns its run id. With an
    /// idempotency key that already completed, returns the first run id and queues nothing.
    public func submit(_ key: SessionKey, prompt: [ContentBlock], from conversation: ConversationRef? = nil,
                       idempotency: IdempotencyKey? = nil, recording: SubmitRecording? = nil) async throws -> SubmitResult {
        try await sessionActor(key).submit(prompt: prompt, conversation: conversation, lane: .normal, idempotency: idempotency,
                                           recording: recording)
    }

    /// Queues a prompt ahead of the normal queue (steered prompts keep their order among themselves).
    public func steer(_ key: SessionKey, prompt: [ContentBlock], from conversation: ConversationRef? = nil,
                      idempotency: IdempotencyKey? = nil) async throws -> SubmitResult {
        try await sessionActor(key).submit(prompt: prompt, conversation: conversation, lane: .steer, idempotency: idempotency)
    }

    /// Cancels the active run and the queued runs of `conversation` (nil: all queued runs).
    /// An idle session answers `isNothing` and no runtime is started.
    public func cancel(_ key: SessionKey, conversation: ConversationRef? = nil) async throws -> CancelOutcome {
        try await sessionActor(key).cancel(conversation: conversation)
    }

    /// Closes the session: runs cancelled, state `closed`, runtime bindings ended and a close
    /// event, in one transaction; then its runtime is stopped. False when it was already closed.
    @discardableResult
    public func close(_ key: SessionKey, reason: String = "closed") async throws -> Bool {
        try await sessionActor(key).close(reason: reason)
    }

    /// Closes the session as `close(_:reason:)` does and, in the same transaction, ends its active
    /// bindings of `sources` with `reason` (runtime bindings end in any case). On a session that is
    /// already closed the bindings are still ended and false is returned. For the reconciler,
    /// when a config or route binding goes away together with its session.
    @discardableResult
    public func close(_ key: SessionKey, reason: String, endingBindingsFrom sources: Set<BindingSource>) async throws -> Bool {
        try await sessionActor(key).close(reason: reason, alsoEnding: sources)
    }

    /// Closes session `old` (stopping its runtime, ending its runtime bindings and its bindings of
    /// `sources`) and creates session `new` (state `idle`, no runtime yet) bound with `binding`,
    /// all in one transaction; then `old`'s runtime is stopped. `new.key` may equal `old` (the
    /// session starts over: no agent session id to resume). When `old` is already closed the
    /// bindings are ended and the new session is made all the same. Nothing changes when it
    /// throws (an agent that is not allowed or declared, an open session already under
    /// `new.key`, a conversation bound elsewhere).
    @discardableResult
    public func replaceSession(_ old: SessionKey, reason: String, endingBindingsFrom sources: Set<BindingSource>,
                               with new: NewSession, binding: NewBinding) async throws -> SessionRecord {
        try checkAgent(new.agentId)
        let record = SessionRecord(key: new.key, agentId: new.agentId, cwd: new.cwd, mode: new.mode, backend: new.backend,
                                   label: new.label, state: .idle, createdAt: context.now())
        let previous = new.key == old ? nil : try store.session(new.key)?.state
        if try store.session(old) != nil {
            _ = try await sessionActor(old).close(reason: reason, alsoEnding: sources, thenCreating: (record, binding))
        } else {
            // No session row (only possible in a store written without foreign keys): nothing to close.
            _ = try store.insertSession(record, binding: binding, at: context.now().timeIntervalSince1970)
        }
        actors[new.key] = nil
        context.metrics.sessionMoved(from: new.key == old ? .closed : previous, to: .idle)
        return record
    }

    /// Resets in place: cancels, ends the agent-side session, keeps the key and bindings; the
    /// next turn starts a fresh agent session.
    public func reset(_ key: SessionKey) async throws {
        try await sessionActor(key).reset()
    }

    /// State, bindings, queue, active run, runtime, pending permission requests.
    public func status(_ key: SessionKey) async throws -> SessionStatus {
        try await sessionActor(key).status()
    }

    /// Answers permission request `id` (the number shown to the conversation). Returns false when
    /// it is not pending any more. An option the request did not offer is `ACP_INVALID_ARGUMENT`.
    public func answerPermission(_ id: Int64, outcome: PermissionOutcome) async throws -> Bool {
        guard let sessionKey = try store.sessionOfPermissionRequest(id), let actor = actors[sessionKey] else { return false }
        return try await actor.answerPermission(id, outcome: outcome)
    }

    // MARK: Bindings

    /// Binds a conversation to an existing open session. Binding it again to the same session
    /// returns the existing binding, made persistent when `binding.persist` asks for it (never
    /// the other way round); another session already bound there is `ACP_BINDING_CONFLICT`.
    public func bind(_ key: SessionKey, _ binding: NewBinding) throws -> BindingRecord {
        guard let session = try store.session(key) else { throw ACPError(.sessionNotFound, message: "no session \(key)") }
        guard session.state != .closed else { throw ACPError(.sessionClosed) }
        let stamp = context.now().timeIntervalSince1970
        return try store.bind(binding, to: key, at: stamp)
    }

    /// Ends one binding (unbind, expiry, config removal). False when it was not active.
    @discardableResult
    public func endBinding(id: Int64, reason: String) throws -> Bool {
        let stamp = context.now().timeIntervalSince1970
        return try store.endBinding(id: id, reason: reason, at: stamp)
    }

    /// Ends the active runtime binding of exactly `conversation` if it still points to `session`
    /// and its `lastActivityAt` is still `lastActivityAt` (to the millisecond): a compare-and-set,
    /// so traffic that touched the binding after the caller read it keeps it alive. One
    /// transaction; true when this call ended it.
    public func endRuntimeBinding(_ conversation: ConversationRef, session: SessionKey, ifLastActivityAt lastActivityAt: Date,
                                  reason: String) throws -> Bool {
        let stamp = context.now().timeIntervalSince1970
        return try store.endRuntimeBinding(conversation, session: session, ifLastActivityAt: lastActivityAt.timeIntervalSince1970,
                                           reason: reason, at: stamp)
    }

    // MARK: Events

    /// Events of `session` committed from now on, in commit order (nil: every session).
    public nonisolated func subscribe(_ session: SessionKey? = nil) -> AsyncStream<ControlPlaneEvent> {
        context.hub.subscribe(session: session)
    }

    // MARK: Lifecycle

    /// Evicts idle runtimes past `acp.runtime.ttlMinutes` and purges expired idempotency keys.
    public func maintain() async {
        let cutoff = context.now().addingTimeInterval(-context.settings.runtimeTTL.seconds)
        for actor in await context.slots.takeExpired(before: cutoff) {
            await actor.evictRuntime(reason: .idleTimeout)
        }
        do {
            try store.purgeIdempotency(ttl: context.settings.idempotencyTTL.seconds)
        } catch {
            context.logger.error("cannot purge idempotency keys", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `maintain()` every `maintenanceInterval` until the calling task is cancelled.
    public func runMaintenance() async {
        while !Task.isCancelled {
            do { try await WatchdogTimer.sleep(for: context.settings.maintenanceInterval) } catch { return }
            await maintain()
        }
    }

    /// Stops every runtime and ends the event streams.
    public func shutdown() async {
        for actor in actors.values { await actor.shutdown() }
        context.hub.finishAll()
    }

    /// The prompt capabilities agent `agentId` advertised when it last started (for any session),
    /// or nil when it has not started since the daemon started. Callers that cannot wait treat
    /// nil as "text and resource links only", which every agent accepts.
    public nonisolated func promptCapabilities(ofAgent agentId: String) -> PromptCapabilities? {
        context.promptCapabilities.capabilities(of: agentId)
    }

    /// How many runtimes are live.
    public func liveRuntimes() async -> Int {
        await context.slots.liveCount
    }

    // MARK: Helpers

    func recoveryDone(counts: [SessionState: Int]) {
        actors.removeAll()
        context.metrics.setSessionCounts(counts)
    }

    private func checkAgent(_ agentId: String) throws(ACPError) {
        let allowed = context.settings.allowedAgents
        guard allowed.isEmpty || allowed.contains(agentId) else {
            throw ACPError(.agentNotAllowed, message: "agent \"\(agentId)\" is not allowed here")
        }
        guard context.agents(agentId) != nil else {
            throw ACPError(.invalidArgument, message: "unknown agent \"\(agentId)\"", hint: "declare it under agents: in the config")
        }
    }

    private func replayed<T: Decodable>(_ key: IdempotencyKey, as: T.Type) throws -> T? {
        let stamp = context.now().timeIntervalSince1970
        let ttl = context.settings.idempotencyTTL.seconds
        guard let stored = try store.completedIdempotencyResult(key, ttl: ttl, at: stamp) else { return nil }
        guard let value = try? JSONDecoder().decode(T.self, from: Data(stored.utf8)) else {
            throw ACPError(.invalidArgument, message: "this message id was already used for something else",
                           detail: "idempotency \(key) holds \(stored.prefix(80))")
        }
        context.metrics.idempotencyReplay()
        return value
    }
}
