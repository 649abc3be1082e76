#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Permission requests of a session's active run: stored with their options and deadline,
/// answered once (by a person, by `acp.permissions.mode`, by the deadline, or by cancellation).
extension SessionActor {
    func handlePermissionRequest(_ request: PermissionRequest, run: RunID) async {
        guard let current = active, current.run.id == run, !current.detached else {
            await request.reply(.cancelled)
            return
        }
        let settings = context.settings
        let deadline = context.now().addingTimeInterval(settings.permissionTimeout.seconds)
        let decision = PermissionPolicy.decide(mode: effectivePermissionMode, toolKind: request.kind, options: request.options)
        let automaticOption: String?? = switch decision {
        case .answer(.selected(let option)): .some(option)
        case .answer(.cancelled): .some(nil)
        case .ask: .none
        }
        let stamp = time
        let prompt: PermissionPrompt
        do {
            let seq = current.nextSeq
            var pending: [EventLog.Pending] = []
            let (id, ids) = try store.insertPermissionRequest(request, session: key, run: run, deadline: deadline, at: stamp) { id in
                let automatic = automaticOption.map { PermissionResolution(id: id, how: .auto, optionId: $0) }
                let prompt = PermissionPrompt(id: id, toolCallId: request.toolCallId, title: request.title, toolKind: request.kind,
                                              options: request.options, deadline: deadline, automatic: automatic)
                pending = pendingEvents([.permissionRequested(prompt)], runId: run, firstSeq: seq)
                return pending
            }
            active?.nextSeq += 1
            prompt = PermissionPrompt(id: id, toolCallId: request.toolCallId, title: request.title, toolKind: request.kind,
                                      options: request.options, deadline: deadline,
                                      automatic: automaticOption.map { PermissionResolution(id: id, how: .auto, optionId: $0) })
            context.hub.publish(committed(pending, ids: ids) { _ in current.run.conversation })
        } catch {
            logger.error("cannot store a permission request; rejecting it", metadata: ["error": "\(error)"])
            await request.reply(PermissionPolicy.onTimeout(request.options))
            return
        }
        permissions[prompt.id] = PendingPermission(prompt: prompt, runId: run, reply: request.reply, requestId: request.id)
        switch decision {
        case .answer(let outcome):
            await resolvePermission(prompt.id, outcome: outcome, how: .auto)
        case .ask:
            let timeout = settings.permissionTimeout
            let id = prompt.id
            permissions[id]?.timer = WatchdogTimer(after: timeout) { [weak self] in await self?.permissionTimedOut(id) }
        }
    }

    /// Answers a pending request: an option it offered, or `cancelled`. Returns false when the
    /// request is not pending (already answered, timed out, or its run ended).
    func answerPermission(_ id: Int64, outcome: PermissionOutcome) async throws -> Bool {
        guard let pending = permissions[id] else { return false }
        if case .selected(let optionId) = outcome, !pending.prompt.options.contains(where: { $0.id == optionId }) {
            throw ACPError(.invalidArgument, message: "option \"\(optionId)\" is not offered by this request",
                           hint: "choose one of: \(pending.prompt.options.map(\.id).joined(separator: ", "))")
        }
        await resolvePermission(id, outcome: outcome, how: outcome == .cancelled ? .cancelled : .answered)
        return true
    }

    private func permissionTimedOut(_ id: Int64) async {
        guard let pending = permissions[id] else { return }
        await resolvePermission(id, outcome: PermissionPolicy.onTimeout(pending.prompt.options), how: .timedOut)
    }

    /// Records the answer (row and event), then sends it to the agent.
    private func resolvePermission(_ id: Int64, outcome: PermissionOutcome, how: PermissionResolution.How) async {
        guard let pending = permissions.removeValue(forKey: id) else { return }
        pending.timer?.cancel()
        storeResolution(pending, outcome: outcome, how: how, appendEvent: true)
        await pending.reply(outcome)
    }

    /// Answers every pending request of `run` with `cancelled` (cancel, timeout, close, reset, end
    /// of the run). The replies are sent from a task: the runtime's own cancel answers them too,
    /// and only the first answer reaches the agent.
    func cancelPermissions(of run: RunID?, appendEvents: Bool) {
        let matching = permissions.filter { run == nil || $0.value.runId == run }
        for (id, pending) in matching.sorted(by: { $0.key < $1.key }) {
            permissions[id] = nil
            pending.timer?.cancel()
            storeResolution(pending, outcome: .cancelled, how: .cancelled, appendEvent: appendEvents)
            Task { await pending.reply(.cancelled) }
        }
    }

    private func storeResolution(_ pending: PendingPermission, outcome: PermissionOutcome, how: PermissionResolution.How,
                                 appendEvent: Bool) {
        let optionId: String? = if case .selected(let option) = outcome { option } else { nil }
        let state = switch how {
        case .answered: "answered"
        case .auto: "auto"
        case .timedOut: "timed_out"
        case .cancelled, .withdrawn: "cancelled"
        }
        let stamp = time
        do {
            try store.resolvePermissionRequest(pending.prompt.id, state: state, outcome: optionId ?? "cancelled", at: stamp)
        } catch {
            logger.error("cannot store a permission answer", metadata: ["error": "\(error)"])
        }
        context.metrics.permission(outcome: how)
        if appendEvent {
            recordEvent(.permissionResolved(PermissionResolution(id: pending.prompt.id, how: how, optionId: optionId)), run: pending.runId)
        }
    }

    /// `$/cancel_request` for a pending request: the runtime already answered it `cancelled`; the
    /// row and the conversation's message say it was withdrawn.
    func withdrawPermission(requestId: String) {
        guard let (id, pending) = permissions.first(where: { $0.value.requestId == requestId }) else { return }
        permissions[id] = nil
        pending.timer?.cancel()
        storeResolution(pending, outcome: .cancelled, how: .withdrawn, appendEvent: true)
        Task { await pending.reply(.cancelled) }
    }

    /// The requests waiting for an answer.
    var pendingPermissionPrompts: [PermissionPrompt] {
        permissions.values.map(\.prompt).sorted { $0.id < $1.id }
    }
}
