#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The transactions of the session manager and its session actors, one method per step. Each
/// method is one transaction (or one read snapshot) whose statements run in the order listed, so
/// a step commits whole or not at all; the callers keep the in-memory state and publish the
/// events after the commit. Several of these are on every message's path (docs/benchmarks.md):
/// keep them to the statements they have.
extension ControlPlaneStore {
    // MARK: Sessions and bindings

    /// What a session actor starts from: the session, its queued and running runs (start order),
    /// and the last `seq` of its session events; nil when there is no such session.
    func sessionForActor(_ key: SessionKey) throws -> (record: SessionRecord, runs: [RunRecord], sessionSeq: Int64)? {
        try read { db in
            guard let record = try SessionTables.fetch(db, key: key) else { return nil }
            return (record, try RunTables.active(db, key: key), try EventLog.lastSessionSeq(db, key: key))
        }
    }

    /// Inserts a session (replacing a closed one with the same key) and, if given, its binding.
    func insertSession(_ record: SessionRecord, binding: NewBinding?, at time: Double) throws -> BindingRecord? {
        try write { db in try SessionTables.insert(db, record, binding: binding, at: time) }
    }

    /// Binds `binding.conversation` to `key` (the existing binding when it is already there).
    func insertBinding(_ binding: NewBinding, for key: SessionKey, at time: Double) throws -> BindingRecord {
        try write { db in try SessionTables.insertBinding(db, key: key, binding, at: time) }
    }

    /// Binds as `insertBinding` does and, when `binding.persist` asks for it, makes an existing
    /// binding persistent (never the other way round); returns the binding as stored.
    func bind(_ binding: NewBinding, to key: SessionKey, at time: Double) throws -> BindingRecord {
        try write { db in
            let record = try SessionTables.insertBinding(db, key: key, binding, at: time)
            guard binding.persist, !record.persist else { return record }
            try SessionTables.makePersistent(db, bindingId: record.id)
            return try SessionTables.binding(db, id: record.id) ?? record
        }
    }

    /// Ends one binding; false when it was not active.
    func endBinding(id: Int64, reason: String, at time: Double) throws -> Bool {
        try write { db in try SessionTables.endBinding(db, id: id, reason: reason, at: time) }
    }

    /// The compare-and-set of `SessionTables.endRuntimeBinding`; true when this call ended it.
    func endRuntimeBinding(_ conversation: ConversationRef, session key: SessionKey, ifLastActivityAt lastActivityAt: Double,
                           reason: String, at time: Double) throws -> Bool {
        try write { db in
            try SessionTables.endRuntimeBinding(db, conversation: conversation, key: key, ifLastActivityAt: lastActivityAt,
                                                reason: reason, at: time)
        }
    }

    /// Stores the agent's session id of a session (nil forgets it).
    func setAgentSessionId(_ agentSessionId: String?, for key: SessionKey, at time: Double) throws {
        try write { db in try SessionTables.setAgentSessionId(db, key: key, agentSessionId, at: time) }
    }

    /// The session and binding, the first run and the idempotency result of a spawn, in one
    /// transaction. Nothing is stored when it throws.
    func commitSpawn(_ session: SessionRecord, binding: NewBinding?,
                     firstRun: (id: RunID, conversation: ConversationRef?, prompt: [ContentBlock])?,
                     idempotency: IdempotencyKey?, at time: Double) throws -> (result: SpawnResult, run: RunRecord?) {
        try write { db in
            let bound = try SessionTables.insert(db, session, binding: binding, at: time)
            let run = try firstRun.map { first in
                try RunTables.insert(db, id: first.id, key: session.key, lane: .normal, conversation: first.conversation,
                                     prompt: first.prompt, at: time)
            }
            let result = SpawnResult(sessionKey: session.key, bindingId: bound?.id, firstRun: firstRun?.id, replayed: false)
            if let idempotency {
                try IdempotencyTable.complete(db, idempotency, result: String(decoding: try JSONEncoder().encode(result), as: UTF8.self),
                                              at: time)
            }
            return (result, run)
        }
    }

    /// Closes a session: the runs `cancelling` end cancelled, the session takes `state`, its
    /// runtime bindings end ("session closed") and so do its bindings of `sources` (`reason`), its
    /// pending permission requests are cancelled, `events` are appended, and `new` (a session and
    /// its binding) is created last. Returns the ids of `events`.
    func closeSession(_ key: SessionKey, state: SessionState, cancelling runs: [RunID], endingBindingsFrom sources: [BindingSource],
                      reason: String, events: [EventLog.Pending], thenCreating new: (session: SessionRecord, binding: NewBinding)?,
                      at time: Double) throws -> [Int64] {
        try write { db in
            for run in runs { try RunTables.markEnded(db, id: run, .cancelled, at: time) }
            try SessionTables.setState(db, key: key, state, at: time)
            try SessionTables.endBindings(db, key: key, sources: [.runtime], reason: "session closed", at: time)
            if !sources.isEmpty { try SessionTables.endBindings(db, key: key, sources: sources, reason: reason, at: time) }
            try PermissionTables.cancelPending(db, session: key, at: time)
            let ids = try EventLog.append(db, events, at: time)
            if let new { _ = try SessionTables.insert(db, new.session, binding: new.binding, at: time) }
            return ids
        }
    }

    /// On a session that is already closed: ends its active bindings of `sources` (`reason`) and
    /// creates `new`, in one transaction.
    func endBindings(of key: SessionKey, sources: [BindingSource], reason: String,
                     thenCreating new: (session: SessionRecord, binding: NewBinding)?, at time: Double) throws {
        try write { db in
            if !sources.isEmpty { try SessionTables.endBindings(db, key: key, sources: sources, reason: reason, at: time) }
            if let new { _ = try SessionTables.insert(db, new.session, binding: new.binding, at: time) }
        }
    }

    /// Resets a session: the runs `cancelling` end cancelled, the session takes `state` and
    /// forgets its agent session id, its pending permission requests are cancelled, and `events`
    /// are appended. Returns their ids.
    func resetSession(_ key: SessionKey, state: SessionState, cancelling runs: [RunID], events: [EventLog.Pending],
                      at time: Double) throws -> [Int64] {
        try write { db in
            for run in runs { try RunTables.markEnded(db, id: run, .cancelled, at: time) }
            try SessionTables.setState(db, key: key, state, at: time)
            try SessionTables.setAgentSessionId(db, key: key, nil, at: time)
            try PermissionTables.cancelPending(db, session: key, at: time)
            return try EventLog.append(db, events, at: time)
        }
    }

    // MARK: Runs

    /// What `submitRun` did.
    enum SubmitWrite {
        /// The idempotency key holds a completed, unexpired result (this JSON): nothing was written.
        case replayed(String)
        /// The `recording` key holds a completed, unexpired result (this JSON): nothing was written.
        case recorded(String)
        case queued(RunRecord)
        /// Queued and started in the same transaction: the session's new state, the ids of the `events`.
        case started(RunRecord, SessionState, [Int64])
    }

    /// Submits a run, in one transaction: unless `idempotency` already holds a result, the run is
    /// inserted (running already when `startState` is given), the session's and its bindings'
    /// activity is stamped (with `startState` as its new state), the idempotency `result` is
    /// stored, and, for a run that starts, `events` are appended. `recording` is a second key
    /// stored with its own result in the same transaction (the caller's, e.g. the inbound
    /// message's outcome); when it already holds a result nothing is written either.
    func submitRun(_ id: RunID, session key: SessionKey, lane: RunLane, conversation: ConversationRef?, prompt: [ContentBlock],
                   idempotency: (key: IdempotencyKey, ttl: TimeInterval, result: String)?,
                   recording: (key: IdempotencyKey, ttl: TimeInterval, result: String)? = nil, startState: SessionState?,
                   events: [EventLog.Pending], at time: Double) throws -> SubmitWrite {
        try write { db in
            if let recording, let replay = try IdempotencyTable.completedResult(db, recording.key, ttl: recording.ttl, at: time) {
                return .recorded(replay)
            }
            if let idempotency, let replay = try IdempotencyTable.completedResult(db, idempotency.key, ttl: idempotency.ttl, at: time) {
                return .replayed(replay)
            }
            // A run that starts at once is inserted running, and the session's touch carries its
            // new state: one INSERT and one UPDATE instead of two of each.
            let run = try RunTables.insert(db, id: id, key: key, lane: lane, conversation: conversation, prompt: prompt,
                                           at: time, startedAt: startState == nil ? nil : time)
            try SessionTables.touch(db, key: key, at: time, settingState: startState)
            if let idempotency {
                try IdempotencyTable.complete(db, idempotency.key, result: idempotency.result, at: time)
            }
            if let recording {
                try IdempotencyTable.complete(db, recording.key, result: recording.result, at: time)
            }
            if let startState {
                return .started(run, startState, try EventLog.append(db, events, at: time))
            }
            return .queued(run)
        }
    }

    /// Starts a queued run: running, the session's new `state`, and `events` (its `runStarted`).
    func startRun(_ run: RunID, session key: SessionKey, state: SessionState, events: [EventLog.Pending], at time: Double) throws -> [Int64] {
        try write { db in
            try RunTables.markStarted(db, id: run, at: time)
            try SessionTables.setState(db, key: key, state, at: time)
            return try EventLog.append(db, events, at: time)
        }
    }

    /// Fails a queued run that could not start, with its terminal `events`.
    func failUnstartedRun(_ run: RunID, error: ACPError, events: [EventLog.Pending], at time: Double) throws -> [Int64] {
        try write { db in
            try RunTables.markEnded(db, id: run, .failed, error: error, at: time)
            return try EventLog.append(db, events, at: time)
        }
    }

    /// Ends the active run: its terminal state, the session's new state (and last error), the
    /// session's activity, and the terminal `events`.
    func finishRun(_ run: RunID, _ runState: RunState, stopReason: String?, error: ACPError?, session key: SessionKey,
                   sessionState: SessionState, events: [EventLog.Pending], at time: Double) throws -> [Int64] {
        try write { db in
            try RunTables.markEnded(db, id: run, runState, stopReason: stopReason, error: error, at: time)
            try SessionTables.setState(db, key: key, sessionState, at: time, error: error, activityAt: time)
            try SessionTables.touchBindings(db, key: key, at: time)
            return try EventLog.append(db, events, at: time)
        }
    }

    /// Cancels queued runs and, with `state`, moves the session (a cancel of its running run
    /// requested), with the queued runs' terminal `events`.
    func cancelQueuedRuns(_ runs: [RunID], session key: SessionKey, settingState state: SessionState?, events: [EventLog.Pending],
                          at time: Double) throws -> [Int64] {
        try write { db in
            for run in runs { try RunTables.markEnded(db, id: run, .cancelled, at: time) }
            if let state { try SessionTables.setState(db, key: key, state, at: time) }
            return try EventLog.append(db, events, at: time)
        }
    }

    /// Appends events (of a run, or session events) in one transaction; returns their ids.
    func appendEvents(_ events: [EventLog.Pending], at time: Double) throws -> [Int64] {
        try write { db in try EventLog.append(db, events, at: time) }
    }

    // MARK: Permission requests

    /// Stores a pending permission request and, in the same transaction, the events that `events`
    /// makes from its new id. Returns the id and the events' ids.
    func insertPermissionRequest(_ request: PermissionRequest, session key: SessionKey, run: RunID, deadline: Date, at time: Double,
                                 events: (Int64) -> [EventLog.Pending]) throws -> (id: Int64, eventIds: [Int64]) {
        let optionsJSON = String(decoding: try JSONEncoder().encode(request.options), as: UTF8.self)
        return try write { db in
            let id = try PermissionTables.insert(db, session: key, run: run, toolCallId: request.toolCallId, title: request.title,
                                                 toolKind: request.kind, optionsJSON: optionsJSON,
                                                 deadline: deadline.timeIntervalSince1970, at: time)
            return (id, try EventLog.append(db, events(id), at: time))
        }
    }

    /// Records how permission request `id` was answered, with its audit row (one transaction).
    func resolvePermissionRequest(_ id: Int64, state: String, outcome: String, at time: Double) throws {
        try write { db in
            try PermissionTables.resolve(db, id: id, state: state, outcome: outcome, at: time)
            try Self.insertPermissionDecision(db, id: id, state: state, outcome: outcome, at: time)
        }
    }

    /// The session of permission request `id`; nil when there is none (or its key does not parse).
    func sessionOfPermissionRequest(_ id: Int64) throws -> SessionKey? {
        try read { db in try PermissionTables.sessionKey(db, id: id) }.flatMap { SessionKey($0) }
    }

    // MARK: Idempotency

    /// The stored result of a completed, unexpired idempotency key; nil otherwise.
    func completedIdempotencyResult(_ key: IdempotencyKey, ttl: TimeInterval, at time: Double) throws -> String? {
        try read { db in try IdempotencyTable.completedResult(db, key, ttl: ttl, at: time) }
    }
}
