import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The handlers of CONTRACT.md §4, each answering one `OK: …` or `ERROR: …` message.
extension InboundRouter {
    /// Runs one command the gate authorised.
    func runCommand(_ command: ChatCommand, _ context: CommandContext) async -> InboundOutcome {
        do {
            switch command {
            case .spawn(let options): return try await spawn(options, context)
            case .bind(let target, let persist): return try await bind(target, persist: persist, context)
            case .unbind: return try await unbind(context)
            case .cancel(let target): return try await cancel(target, context)
            case .steer(let text): return try await steer(text, context)
            case .close(let target): return try await close(target, context)
            case .sessions(let options): return try sessionsList(options)
            case .status(let target): return try await status(target, context)
            case .doctor: return await doctor()
            case .approve(let id, let role): return try decidePairing(id, approve: true, role: role, context)
            case .deny(let id): return try decidePairing(id, approve: false, role: .operator, context)
            case .allow(let number, let scope): return try await answerPermission(number, allow: true, scope: scope, context)
            case .reject(let number, let scope): return try await answerPermission(number, allow: false, scope: scope, context)
            case .help: return InboundOutcome(accepted: true, reply: CommandHelp.text(guardedBySecret: config.access.secret != nil))
            case .new(let text), .reset(let text): return try await reset(text, context)
            case .mode(let id): return try await agentMode(id, context)
            case .set(let option, let value): return try await agentSet(option, value, context)
            case .model(let value): return try await agentModel(value, context)
            case .options: return try await agentOptions(context)
            case .resetOptions: return try await resetAgentOptions(context)
            case .permissions(let mode): return try await setPermissionOverride(mode, context)
            case .timeout(let seconds): return try await setTimeoutOverride(seconds, context)
            case .commands: return try await agentCommands(context)
            case .health: return await health()
            case .send(let target, let text): return try await send(target, text: text, context)
            case .logs(let options): return logs(options, context)
            case .run(let options): return try await shellRun(options, context)
            case .answer(let number, let fields, let setOnly): return try await answerElicitation(number, fields: fields, setOnly: setOnly, context)
            case .decline(let number): return try await declineElicitation(number, context)
            case .auth, .lock:
                // The gate answers these itself; reaching here means it let them through unanswered.
                return ok("nothing to do")
            }
        } catch {
            return failure(error)
        }
    }

    private func bind(_ target: String, persist: Bool, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try namedSession(target)
        let binding = try await manager.bind(key, NewBinding(source: .runtime, conversation: context.conversation, persist: persist))
        return ok("bound this conversation to \(binding.sessionKey)\(binding.persist ? " (persistent)" : "")")
    }

    private func unbind(_ context: CommandContext) async throws -> InboundOutcome {
        guard let match = context.resolution.match else { throw ACPError(.notBound) }
        guard match.source == .runtime else {
            throw ACPError(.invalidArgument, message: "this conversation's binding is declared in config (\(match.source.rawValue))",
                           hint: "remove it from bindings[] in the config file and reload")
        }
        let runtime = try store.activeBindings(for: context.conversation).filter { $0.source == .runtime }
        guard !runtime.isEmpty else { throw ACPError(.notBound) }
        for binding in runtime { _ = try await manager.endBinding(id: binding.id, reason: "unbound") }
        return ok("unbound this conversation from \(match.sessionKey)")
    }

    private func cancel(_ target: SessionTarget, _ context: CommandContext) async throws -> InboundOutcome {
        // A binding whose session was never made has nothing to cancel: do not create it.
        if target == .here, case .create = context.resolution { return ok("nothing to cancel") }
        let key = try await session(for: target, context)
        let outcome = try await manager.cancel(key, conversation: target == .here ? context.conversation : nil)
        guard !outcome.isNothing else { return ok("nothing to cancel") }
        var parts: [String] = []
        if let active = outcome.activeRun { parts.append("the active run \(active)") }
        if !outcome.queuedRuns.isEmpty { parts.append("\(outcome.queuedRuns.count) queued run(s)") }
        return ok("cancelled \(parts.joined(separator: " and "))")
    }

    private func steer(_ text: String, _ context: CommandContext) async throws -> InboundOutcome {
        guard config.acp.dispatchEnabled else { throw ACPError(.dispatchDisabled) }
        let key = try await boundSession(context)
        let attachments = try await attachmentBlocks(context.message.attachments, session: key)
        let result = try await manager.steer(key, prompt: promptBlocks(text, attachments: attachments), from: context.conversation)
        return ok("steered: run \(result.runId) goes next", runId: result.runId)
    }

    private func close(_ target: SessionTarget, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try await session(for: target, context)
        let closed = try await manager.close(key, reason: "closed from chat by \(context.sender)")
        return ok(closed ? "closed \(key)" : "\(key) was already closed")
    }

    private func status(_ target: SessionTarget, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try await session(for: target, context)
        let status = try await manager.status(key)
        let session = status.session
        var lines = ["\(key) is \(session.state.rawValue)",
                     "agent: \(session.agentId), cwd: \(session.cwd), mode: \(session.mode.rawValue), backend: \(session.backend)"]
        for binding in status.bindings {
            lines.append("binding: \(binding.source.rawValue) \(binding.conversation.canonical) (\(expiry(of: binding)))")
        }
        lines.append("queue: \(status.queueDepth)")
        if let run = status.activeRun {
            lines.append("active run: \(run.id)\(run.startedAt.map { ", running for \(Self.age($0))" } ?? "")")
        }
        lines.append("runtime: \(status.runtimeLive ? "live" : "not running")")
        if let id = session.agentSessionId { lines.append("agent session: \(id)") }
        if let error = session.lastError { lines.append("last error: \(session.lastErrorCode?.rawValue ?? "") \(error)") }
        if let last = status.lastEventAt { lines.append("last event: \(Self.age(last)) ago") }
        for prompt in status.pendingPermissions { lines.append("permission \(prompt.id) pending: \(prompt.title)") }
        lines += await agentStatusLines(key)
        lines += await elicitationStatusLines(key)
        return ok(lines.joined(separator: "\n"))
    }

    /// When a binding ends: only runtime bindings without `--persist` expire (`acp.runtimeBindings`,
    /// counted from now for the idle limit); config and route bindings last as long as the config says.
    private func expiry(of binding: BindingRecord) -> String {
        guard binding.source == .runtime,
              let deadline = RuntimeBindingExpiry.deadline(of: RuntimeBinding(binding), policy: config.acp.runtimeBindings)
        else { return "never expires" }
        let when = deadline.at.formatted(.iso8601)
        return deadline.reason == .idle ? "expires \(when) unless used before" : "expires \(when), its maximum age"
    }

    private func doctor() async -> InboundOutcome {
        let text = await doctorSummary()
        let reply = text.hasPrefix("OK: ") || text.hasPrefix("ERROR: ") ? text : ChatReply.ok(text)
        return InboundOutcome(accepted: true, reply: reply)
    }

    private func answerPermission(_ number: Int, allow: Bool, scope: PermissionScope?, _ context: CommandContext) async throws -> InboundOutcome {
        let key = try await boundSession(context)
        let pending = try await manager.status(key).pendingPermissions
        guard let prompt = pending.first(where: { $0.id == Int64(number) }) else {
            throw context.unlessPressed(ACPError(.invalidArgument, message: "no pending permission request \(number) here"),
                                        notice: "This request was already answered.")
        }
        let preferred = DeliveryText.kinds(allow: allow, scope: scope)
        guard let option = preferred.lazy.compactMap({ kind in prompt.options.first { $0.kind == kind } }).first else {
            let what = (allow ? "allow" : "reject") + (scope.map { " \($0.rawValue)" } ?? "")
            throw ACPError(.invalidArgument, message: "request \(number) offers no \(what) option")
        }
        guard try await manager.answerPermission(prompt.id, outcome: .selected(optionId: option.id)) else {
            throw context.unlessPressed(ACPError(.invalidArgument, message: "permission request \(number) was already answered"),
                                        notice: "This request was already answered.")
        }
        return ok("\(allow ? "allowed" : "rejected") \(number): \(option.name)")
    }

    /// `/new`, `/reset`: a fresh agent session under the same key and bindings. Where a config or
    /// route binding's session was closed (`/acp close`), the session is made anew in its place.
    private func reset(_ text: String?, _ context: CommandContext) async throws -> InboundOutcome {
        let key: SessionKey
        if case .stale(let match, .sessionClosed) = context.resolution, match.source != .runtime {
            key = try await createBoundSession(match, conversation: context.conversation)
        } else {
            key = try await boundSession(context)
            try await manager.reset(key)
        }
        guard let text, !text.isEmpty else { return ok("fresh session in \(key)") }
        guard config.acp.dispatchEnabled else { throw ACPError(.dispatchDisabled) }
        let attachments = try await attachmentBlocks(context.message.attachments, session: key)
        let result = try await manager.submit(key, prompt: promptBlocks(text, attachments: attachments), from: context.conversation)
        return ok("fresh session in \(key); run \(result.runId) queued", runId: result.runId)
    }

    /// "3m", "2h", "45s": how long ago `date` was.
    static func age(_ date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 7200 { return "\(seconds / 60)m" }
        return "\(seconds / 3600)h"
    }
}
