#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// Looks up an agent's spec by id (`agents.<id>` in config); nil when the agent is not declared.
public typealias AgentLookup = @Sendable (String) -> AgentSpec?

/// The owner of one session: its state, its queue of runs, its live runtime and its pending
/// permission requests. Every change of the session's stored state goes through this actor,
/// one transaction per step, so state and store never disagree.
///
/// Guarantees: at most one run is running; queued runs start in (lane, submission) order; an
/// event is committed before it is published; every run that ends gets exactly one terminal
/// event. Long waits (agent start, the turn's stream) suspend the actor instead of blocking it.
actor SessionActor {
    /// What every session actor shares.
    struct Context: Sendable {
        let store: ControlPlaneStore
        let hub: EventHub
        let backends: BackendRegistry
        let agents: AgentLookup
        let settings: ControlPlaneSettings
        let slots: RuntimeSlots
        let metrics: ControlPlaneMetrics
        let logger: Logger
        let now: @Sendable () -> Date
        /// What each agent advertised when it last started.
        let promptCapabilities = PromptCapabilityCache()
    }

    /// The run in flight.
    struct ActiveRun {
        var run: RunRecord
        var nextSeq: Int64
        var startedAt: ContinuousClock.Instant
        var cancelRequested = false
        var timedOut = false
        /// Ended by close or reset: its terminal event is written; the stream is only drained.
        var detached = false
        var handle: RuntimeHandle?
        var task: Task<Void, Never>?
        /// Characters of output and of thoughts stored so far (`maxStoredOutputChars`).
        var storedOutputChars = 0
        var storedThoughtChars = 0
        /// UTF-8 bytes of text past the cap, not stored (reported by one marker at the run's end).
        var unstoredBytes = 0
    }

    /// A permission request waiting for its answer.
    struct PendingPermission {
        let prompt: PermissionPrompt
        let runId: RunID
        let reply: PermissionReply
        var timer: WatchdogTimer?
        /// The runtime's id of the request (`$/cancel_request` names it).
        var requestId: String?
    }

    let key: SessionKey
    let context: Context
    var record: SessionRecord
    var queue: [RunRecord]
    var active: ActiveRun?
    var runtime: (handle: RuntimeHandle, backend: any AgentRuntime)?
    var crashesInARow = 0
    var lastCrashAt: ContinuousClock.Instant?
    var sessionSeq: Int64
    var permissions: [Int64: PendingPermission] = [:]
    var elicitationBook = ElicitationBook()
    var lastEventAt: Date?
    /// The chosen mode and options, overrides, commands, usage (SessionActor+Options).
    var optionsMemory = OptionsMemory()
    var logger: Logger
    /// Where the events queued by `recordEvent` are published once committed.
    let eventSink: SessionEventSink

    init(record: SessionRecord, queued: [RunRecord], sessionSeq: Int64, context: Context) {
        self.key = record.key
        self.record = record
        self.queue = queued.filter { $0.state == .queued }.sorted(by: Self.startsBefore)
        self.sessionSeq = sessionSeq
        self.context = context
        var logger = context.logger
        logger[metadataKey: "session"] = "\(record.key)"
        logger[metadataKey: "agent"] = "\(record.agentId)"
        self.logger = logger
        self.eventSink = SessionEventSink(hub: context.hub, logger: logger)
    }

    static func startsBefore(_ a: RunRecord, _ b: RunRecord) -> Bool {
        (a.lane.rawValue, a.ordinal) < (b.lane.rawValue, b.ordinal)
    }

    var store: ControlPlaneStore { context.store }
    var time: Double { context.now().timeIntervalSince1970 }

    // MARK: State changes

    /// Applies a session event through the state machine, returning the new state; the caller
    /// writes it, then assigns it to `record.state` after the commit (see `adopt`).
    func nextState(_ event: SessionEvent, from state: SessionState? = nil) throws(StateMachineViolation) -> SessionState {
        try (state ?? record.state).next(on: event, subject: "session \(key)")
    }

    /// Takes a committed state into memory and metrics.
    func adopt(_ state: SessionState, error: ACPError? = nil) {
        let old = record.state
        record.state = state
        record.updatedAt = context.now()
        if let error {
            record.lastErrorCode = error.code
            record.lastError = error.message
        }
        if state == .closed { record.closedAt = context.now() }
        context.metrics.sessionMoved(from: old, to: state)
    }

    /// Events of the active run (or session events when `runId` is nil) to append, from `firstSeq`.
    func pendingEvents(_ payloads: [EventPayload], runId: RunID?, firstSeq: Int64) -> [EventLog.Pending] {
        payloads.enumerated().map { offset, payload in
            EventLog.Pending(sessionKey: key, runId: runId, seq: firstSeq + Int64(offset), payload: payload)
        }
    }

    /// Builds the published form of committed events.
    func committed(_ pending: [EventLog.Pending], ids: [Int64], conversation: (RunID?) -> ConversationRef?) -> [ControlPlaneEvent] {
        let at = context.now()
        lastEventAt = at
        return zip(pending, ids).map { event, id in
            ControlPlaneEvent(id: id, sessionKey: key, runId: event.runId, seq: event.seq, conversation: conversation(event.runId),
                              payload: event.payload, at: at)
        }
    }

    /// Records one event of the active run: it gets the run's next `seq` now and goes into the
    /// store's next group commit, which publishes it once committed (the actor does not wait for
    /// the write, so the events that arrive meanwhile share one transaction, and a text delta
    /// that follows a text delta still waiting there is appended to it: one event, one `seq`). Every later write
    /// of this actor (the run's end included) commits after it. Events for a run that is no
    /// longer active (or was detached by close/reset) are dropped: nothing follows a terminal event.
    func recordEvent(_ payload: EventPayload, run: RunID) {
        guard let current = active, current.run.id == run, !current.detached else { return }
        var payload = payload
        if case .text(let delta) = payload {
            guard let kept = storable(delta) else { return }
            // While the writer is busy, consecutive deltas become one event.
            if store.extendQueuedText(run: run, with: kept) {
                lastEventAt = context.now()
                return
            }
            payload = .text(kept)
        }
        let event = EventLog.Pending(sessionKey: key, runId: run, seq: current.nextSeq, payload: payload)
        active?.nextSeq += 1
        lastEventAt = context.now()
        eventSink.enqueued()
        store.enqueueEvent(event, conversation: current.run.conversation, at: time, sink: eventSink)
    }

    /// The part of a text delta of the active run the store keeps: each stream (output,
    /// thoughts) up to `maxStoredOutputChars` characters, counted as delivery counts them (what
    /// it can show); nil when nothing of it is kept. The bytes past the cap are counted.
    private func storable(_ delta: TextDelta) -> TextDelta? {
        guard var current = active else { return nil }
        defer { active = current }
        let cap = context.settings.maxStoredOutputChars
        let stored = delta.stream == .output ? current.storedOutputChars : current.storedThoughtChars
        guard stored < cap else {
            current.unstoredBytes += delta.text.utf8.count
            return nil
        }
        var kept = delta
        let room = cap - stored
        let added: Int
        // Counted up to the room left only: a delta of tens of megabytes is not walked whole.
        if let end = delta.text.index(delta.text.startIndex, offsetBy: room, limitedBy: delta.text.endIndex),
           end < delta.text.endIndex {
            kept.text = String(delta.text[..<end])
            current.unstoredBytes += delta.text.utf8.count - kept.text.utf8.count
            added = room
        } else {
            added = delta.text.count
        }
        if delta.stream == .output { current.storedOutputChars += added } else { current.storedThoughtChars += added }
        return kept
    }

    /// The marker that ends a run's stored output when some of it was not stored.
    static func unstoredMarker(bytes: Int) -> EventPayload {
        .text(TextDelta(stream: .output, text: "\n\n[acpd: \(bytes) more bytes of output not stored]"))
    }

    // MARK: Submit

    /// Queues a run. With an idempotency key whose result is stored, returns that run and queues nothing.
    func submit(prompt: [ContentBlock], conversation: ConversationRef?, lane: RunLane,
                idempotency: IdempotencyKey?, recording: SubmitRecording? = nil) throws -> SubmitResult {
        if record.state == .closed { throw ACPError(.sessionClosed, detail: "session \(key)") }
        let runId = RunID()
        let stamp = time
        let ttl = context.settings.idempotencyTTL.seconds
        // An idle session with nothing queued starts the run in the same transaction that queues
        // it (one commit instead of two on every message's path).
        let startState: SessionState? = active == nil && queue.isEmpty ? try? nextState(.runStarted) : nil
        let started = startState == nil ? [] : pendingEvents([.runStarted], runId: runId, firstSeq: 1)
        let stored = idempotency.map { idempotency in
            (key: idempotency, ttl: ttl, result: StoredJSON.submitResult(SubmitResult(runId: runId, position: 0, replayed: false)))
        }
        let recorded = recording.map { recording in
            (key: recording.key, ttl: recording.ttl, result: recording.result(SubmitResult(runId: runId, position: 0, replayed: false)))
        }
        switch try store.submitRun(runId, session: key, lane: lane, conversation: conversation, prompt: prompt,
                                   idempotency: stored, recording: recorded, startState: startState, events: started, at: stamp) {
        case .recorded(let result):
            context.metrics.idempotencyReplay()
            throw SubmitAlreadyRecorded(result: result)
        case .replayed(let replay):
            guard let previous = try? JSONDecoder().decode(SubmitResult.self, from: Data(replay.utf8)) else {
                throw ACPError(.invalidArgument, message: "this message id was already used for something else",
                               detail: "idempotency \(idempotency?.description ?? "") holds \(replay.prefix(80))")
            }
            context.metrics.idempotencyReplay()
            return SubmitResult(runId: previous.runId, position: previous.position, replayed: true)
        case .started(let run, let state, let ids):
            record.lastActivityAt = context.now()
            begin(run, state: state, pending: started, ids: ids, at: stamp)
            return SubmitResult(runId: run.id, position: 0, replayed: false)
        case .queued(let run):
            record.lastActivityAt = context.now()
            let index = queue.firstIndex { Self.startsBefore(run, $0) } ?? queue.endIndex
            queue.insert(run, at: index)
            let position = index + (active == nil ? 0 : 1)
            pump()
            return SubmitResult(runId: run.id, position: position, replayed: false)
        }
    }

    /// After the start of `run` committed: the session's state, the active run, the event
    /// published, and the turn under way.
    private func begin(_ run: RunRecord, state: SessionState, pending: [EventLog.Pending], ids: [Int64], at stamp: Double) {
        adopt(state)
        var started = run
        started.state = .running
        started.startedAt = Date(timeIntervalSince1970: stamp)
        active = ActiveRun(run: started, nextSeq: 2, startedAt: .now)
        context.metrics.queueWait(.seconds(max(0, stamp - run.submittedAt.timeIntervalSince1970)))
        context.hub.publish(committed(pending, ids: ids) { _ in run.conversation })
        active?.task = Task(executorPreference: TaskAffinity.executor(for: key)) {
            await LogCorrelation.with(["session": "\(self.key.rawValue)", "run": "\(run.id.rawValue)"]) { await self.runToEnd(run.id) }
        }
    }

    /// Starts the next queued run when none is in flight.
    func pump() {
        while active == nil, record.state != .closed, !queue.isEmpty {
            let run = queue.removeFirst()
            let stamp = time
            do {
                let state = try nextState(.runStarted)
                let pending = pendingEvents([.runStarted], runId: run.id, firstSeq: 1)
                let ids = try store.startRun(run.id, session: key, state: state, events: pending, at: stamp)
                begin(run, state: state, pending: pending, ids: ids, at: stamp)
            } catch {
                logger.error("cannot start run", metadata: ["run": "\(run.id)", "error": "\(error)"])
                failUnstartedRun(run, error: error)
            }
        }
    }

    /// A queued run that could not even start: fail it (best effort) so it does not block the queue.
    private func failUnstartedRun(_ run: RunRecord, error: any Error) {
        let failure = ACPError(.turnFailed, detail: "\(error)")
        let pending = pendingEvents([.failed(code: failure.code, message: failure.message)], runId: run.id, firstSeq: 1)
        let stamp = time
        if let ids = try? store.failUnstartedRun(run.id, error: failure, events: pending, at: stamp) {
            context.hub.publish(committed(pending, ids: ids) { _ in run.conversation })
            context.metrics.runEnded(.failed, code: failure.code, duration: nil)
        }
    }
}
