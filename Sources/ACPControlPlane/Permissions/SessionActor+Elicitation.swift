#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The elicitations of a session's active run (and the URL ones waiting for `elicitation/complete`).
struct ElicitationBook {
    var pending: [Int64: SessionActor.PendingElicitation] = [:]
    /// Accepted URL elicitations whose `elicitation/complete` may still come: `elicitationId` → (id, run).
    var awaitingCompletion: [String: (id: Int64, runId: RunID)] = [:]
}

/// What `answerElicitation` did.
public enum ElicitationAnswer: Sendable, Equatable {
    /// The answer went to the agent (`accept` with the form's values).
    case submitted([String: ElicitationValue])
    /// The values were recorded (all values so far); these required fields (names) still have none.
    case recorded(values: [String: ElicitationValue], missing: [String])
    /// Submitting needs values for these required fields (names) first.
    case missing([String])
    /// Not pending (answered, timed out, withdrawn, or its run ended).
    case notPending
}

/// A pending elicitation as a conversation may look it up: its prompt and the values so far.
public struct PendingElicitationInfo: Sendable, Equatable {
    public var prompt: ElicitationPrompt
    public var values: [String: ElicitationValue]
}

/// Elicitations of a session's active run: stored (numbered) with their deadline, filled in by
/// buttons and typed answers, answered once (accept, decline, or cancel on cancel, close, reset,
/// timeout, restart), or withdrawn by the agent.
extension SessionActor {
    /// An elicitation waiting for its answer.
    struct PendingElicitation {
        let prompt: ElicitationPrompt
        let runId: RunID
        let requestId: String
        let reply: ElicitationReply
        var values: [String: ElicitationValue]
        var timer: WatchdogTimer?
    }

    /// Handles one elicitation signal of the active run.
    func handleElicitationSignal(_ signal: ElicitationSignal, run: RunID) async {
        switch signal {
        case .request(let request): await handleElicitationRequest(request, run: run)
        case .withdrawn(let requestId): withdrawRequest(requestId)
        case .completed(let elicitationId): await completeElicitation(elicitationId)
        }
    }

    private func handleElicitationRequest(_ request: ElicitationRequest, run: RunID) async {
        guard let current = active, current.run.id == run, !current.detached else {
            await request.reply(.cancel)
            return
        }
        let timeout = context.settings.permissionTimeout
        let deadline = context.now().addingTimeInterval(timeout.seconds)
        var values: [String: ElicitationValue] = [:]
        let modeName: String
        switch request.mode {
        case .form(let form):
            modeName = "form"
            for field in form.fields {
                if let value = field.defaultValue, field.check(value) == nil { values[field.name] = value }
            }
        case .url:
            modeName = "url"
        }
        let stamp = time
        let prompt: ElicitationPrompt
        do {
            let seq = current.nextSeq
            var pending: [EventLog.Pending] = []
            let (id, ids) = try store.insertElicitation(session: key, run: run, mode: modeName, deadline: deadline, at: stamp) { id in
                let prompt = ElicitationPrompt(id: id, message: request.message, mode: request.mode, values: values, deadline: deadline)
                pending = pendingEvents([.elicitation(.requested(prompt))], runId: run, firstSeq: seq)
                return pending
            }
            active?.nextSeq += 1
            prompt = ElicitationPrompt(id: id, message: request.message, mode: request.mode, values: values, deadline: deadline)
            context.hub.publish(committed(pending, ids: ids) { _ in current.run.conversation })
        } catch {
            logger.error("cannot store an elicitation; cancelling it", metadata: ["error": "\(error)"])
            await request.reply(.cancel)
            return
        }
        let id = prompt.id
        var entry = PendingElicitation(prompt: prompt, runId: run, requestId: request.id, reply: request.reply, values: values)
        entry.timer = WatchdogTimer(after: timeout) { [weak self] in await self?.elicitationTimedOut(id) }
        elicitationBook.pending[id] = entry
    }

    /// Sets fields of pending elicitation `id` (each checked against its field) and, with
    /// `submit`, answers `accept` once every required field has a value (a URL elicitation:
    /// the user continued). An unknown field or a value that does not fit is
    /// `ACP_INVALID_ARGUMENT`, and nothing is recorded.
    func answerElicitation(_ id: Int64, setting assignments: [String: ElicitationValue], submit: Bool) async throws -> ElicitationAnswer {
        guard var entry = elicitationBook.pending[id] else { return .notPending }
        guard let form = entry.prompt.form else {
            guard assignments.isEmpty else {
                throw ACPError(.invalidArgument, message: "elicitation \(id) asks to open a link; it has no fields")
            }
            await resolveElicitation(id, outcome: .accept([:]), how: .accepted)
            return .submitted([:])
        }
        for (name, value) in assignments.sorted(by: { $0.key < $1.key }) {
            guard let field = form.field(name) else {
                throw ACPError(.invalidArgument, message: "elicitation \(id) has no field \"\(name.prefix(40))\"",
                               hint: "fields: \(form.fields.map(\.name).joined(separator: ", "))")
            }
            if let problem = field.check(value) {
                throw ACPError(.invalidArgument, message: "\(field.label): \(problem.reason)")
            }
        }
        if !assignments.isEmpty {
            entry.values.merge(assignments) { _, new in new }
            elicitationBook.pending[id] = entry
            recordEvent(.elicitation(.progress(ElicitationProgress(id: id, values: entry.values))), run: entry.runId)
        }
        let missing = form.fields.filter { $0.required && entry.values[$0.name] == nil }.map(\.name)
        guard submit else { return .recorded(values: entry.values, missing: missing) }
        guard missing.isEmpty else { return .missing(missing) }
        let values = entry.values
        await resolveElicitation(id, outcome: .accept(values), how: .accepted)
        return .submitted(values)
    }

    /// Answers pending elicitation `id` with `decline`. False when it is not pending.
    func declineElicitation(_ id: Int64) async -> Bool {
        guard elicitationBook.pending[id] != nil else { return false }
        await resolveElicitation(id, outcome: .decline, how: .declined)
        return true
    }

    /// The elicitations waiting for an answer, oldest first.
    var pendingElicitations: [PendingElicitationInfo] {
        elicitationBook.pending.values.sorted { $0.prompt.id < $1.prompt.id }.map { PendingElicitationInfo(prompt: $0.prompt, values: $0.values) }
    }

    private func elicitationTimedOut(_ id: Int64) async {
        await resolveElicitation(id, outcome: .cancel, how: .timedOut)
    }

    /// Records how the elicitation ended (row and event), then answers the agent.
    private func resolveElicitation(_ id: Int64, outcome: ElicitationOutcome, how: ElicitationResolution.How) async {
        guard let entry = elicitationBook.pending.removeValue(forKey: id) else { return }
        entry.timer?.cancel()
        storeElicitationResolution(entry, how: how, values: outcome.values, appendEvent: true)
        if how == .accepted, case .url(_, let elicitationId) = entry.prompt.mode {
            elicitationBook.awaitingCompletion[elicitationId] = (id, entry.runId)
        }
        await entry.reply(outcome)
    }

    /// Answers every pending elicitation of `run` (nil: all) with `cancel` (cancel, close, reset,
    /// end of the run); the replies are sent from a task, like `cancelPermissions`.
    func cancelElicitations(of run: RunID?, appendEvents: Bool) {
        let matching = elicitationBook.pending.filter { run == nil || $0.value.runId == run }
        for (id, entry) in matching.sorted(by: { $0.key < $1.key }) {
            elicitationBook.pending[id] = nil
            entry.timer?.cancel()
            storeElicitationResolution(entry, how: .cancelled, values: nil, appendEvent: appendEvents)
            Task { await entry.reply(.cancel) }
        }
        elicitationBook.awaitingCompletion = elicitationBook.awaitingCompletion.filter { run != nil && $0.value.runId != run }
    }

    /// The `cancelled` resolution events of the pending elicitations of `run`, for close and reset
    /// to write in their own transaction (before the run's terminal event).
    func withdrawnElicitationEvents(of run: RunID) -> [EventPayload] {
        elicitationBook.pending.values.filter { $0.runId == run }.map(\.prompt.id).sorted().map {
            .elicitation(.resolved(ElicitationResolution(id: $0, how: .cancelled)))
        }
    }

    /// `$/cancel_request` from the agent for an elicitation or a permission request it asked: the
    /// runtime already answered it; here the conversation's message says it was withdrawn.
    private func withdrawRequest(_ requestId: String) {
        if let (id, entry) = elicitationBook.pending.first(where: { $0.value.requestId == requestId }) {
            elicitationBook.pending[id] = nil
            entry.timer?.cancel()
            storeElicitationResolution(entry, how: .withdrawn, values: nil, appendEvent: true)
            Task { await entry.reply(.cancel) }
            return
        }
        withdrawPermission(requestId: requestId)
    }

    /// `elicitation/complete`: a pending URL elicitation counts as continued (`accept`), then the
    /// conversation's message says it is complete.
    private func completeElicitation(_ elicitationId: String) async {
        if let id = elicitationBook.pending.first(where: {
            if case .url(_, let candidate) = $0.value.prompt.mode { candidate == elicitationId } else { false }
        })?.key {
            await resolveElicitation(id, outcome: .accept([:]), how: .accepted)
        }
        guard let (id, runId) = elicitationBook.awaitingCompletion.removeValue(forKey: elicitationId) else {
            logger.debug("elicitation/complete for an unknown elicitation", metadata: ["elicitation": "\(elicitationId)"])
            return
        }
        recordEvent(.elicitation(.completed(id: id)), run: runId)
    }

    private func storeElicitationResolution(_ entry: PendingElicitation, how: ElicitationResolution.How,
                                            values: [String: ElicitationValue]?, appendEvent: Bool) {
        do {
            try store.resolveElicitation(entry.prompt.id, how: how, at: time)
        } catch {
            logger.error("cannot store an elicitation answer", metadata: ["error": "\(error)"])
        }
        if appendEvent {
            recordEvent(.elicitation(.resolved(ElicitationResolution(id: entry.prompt.id, how: how, values: values))), run: entry.runId)
        }
    }
}

extension ElicitationOutcome {
    /// The values of an `accept` of a form; nil otherwise.
    var values: [String: ElicitationValue]? {
        if case .accept(let values) = self, !values.isEmpty { return values }
        return nil
    }
}
