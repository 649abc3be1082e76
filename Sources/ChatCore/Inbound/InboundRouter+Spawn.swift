import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/acp spawn`.
extension InboundRouter {
    /// Creates a session, starts its runtime and binds it (here or in a new thread), all or
    /// nothing: `SessionManager.spawn` stores nothing and stops the runtime when a step fails.
    func spawn(_ options: SpawnOptions, _ context: CommandContext) async throws -> InboundOutcome {
        guard let agentId = options.agent ?? config.acp.defaultAgent else {
            throw ACPError(.invalidArgument, message: "name an agent: /acp spawn <agent>", hint: "or set acp.defaultAgent")
        }
        guard let agent = config.agents[agentId] else {
            throw ACPError(.agentNotAllowed, message: "no agent \(agentId) is declared")
        }
        let binds = options.bind == .here
        let thread = options.thread.flatMap { $0 == .off ? nil : $0 }
        if binds, thread != nil { throw ACPError(.invalidArgument, message: "--bind and --thread cannot be combined") }
        let cwd = try workingDirectory(options.cwd, agentDefault: agent.cwd)
        // A label names one open session: a second one would make the label useless as a target.
        if let label = options.label, let holder = try store.sessions(label: label).first(where: { $0.state != .closed }) {
            throw ACPError(.invalidArgument, message: "the label \(label) is taken by open session \(holder.key)",
                           hint: "choose another --label, or /acp close \(label) first")
        }
        guard let key = SessionKey.spawned(agentId: agentId, uuid: UUID().uuidString.lowercased()) else {
            throw ACPError(.invalidArgument, message: "agent id \(agentId) cannot form a session key")
        }
        var target: ConversationRef?
        var createdThread: ConversationRef?
        if binds { target = context.conversation }
        if let thread {
            target = try await threadConversation(thread, context, title: options.label ?? agentId)
            if target != context.conversation { createdThread = target }
        }
        let new = NewSession(key: key, agentId: agentId, cwd: cwd, mode: options.mode ?? agent.mode, backend: agent.backend,
                             label: options.label)
        let binding = target.map { NewBinding(source: .runtime, conversation: $0) }
        let result: SpawnResult
        do {
            result = try await manager.spawn(new, binding: binding, conversation: target ?? context.conversation)
        } catch {
            if let createdThread { await abandon(createdThread, context, because: error) }
            throw error
        }
        var text = "spawned \(result.sessionKey) (agent \(agentId), cwd \(cwd))"
        if let target { text += target == context.conversation ? "; bound here" : "; bound to \(target.canonical)" }
        return ok(text)
    }

    /// `--thread auto` creates a thread/topic (an error where the conversation cannot have one:
    /// binding the whole chat instead would surprise everyone in it); `--thread here` binds the
    /// current conversation, which must be a thread or topic.
    private func threadConversation(_ thread: SpawnOptions.Thread, _ context: CommandContext, title: String) async throws -> ConversationRef {
        if thread == .here {
            guard context.conversation.parentConversationId != nil else {
                throw ACPError(.invalidArgument, message: "--thread here needs a thread or topic", hint: "use --thread auto or --bind here")
            }
            return context.conversation
        }
        do {
            return try await context.channel.createThread(in: context.conversation, title: title)
        } catch ChannelError.notSupported {
            throw ACPError(.invalidArgument, message: "this conversation cannot have threads or topics",
                           hint: "use --bind here to bind this conversation itself")
        } catch ChannelError.permanent(let why) {
            // The platform refused for good (e.g. a missing right): say why, so the fix is clear.
            throw ACPError(.invalidArgument, message: "the thread could not be created: \(why)",
                           hint: "fix the cause above (e.g. give the bot the right it names), or use --bind here", detail: why)
        } catch {
            logger.warning("thread not created", metadata: ["error": "\(error)"])
            throw ACPError(.invalidArgument, message: "the thread could not be created", detail: "\(error)")
        }
    }

    /// Spawn failed after `thread` was created for it: the channel removes the thread; where it
    /// cannot, the thread is told why it stays unbound (never left silent).
    private func abandon(_ thread: ConversationRef, _ context: CommandContext, because error: any Error) async {
        do {
            try await context.channel.removeThread(thread)
            return
        } catch {
            logger.info("spawn's thread not removed", metadata: ["thread": "\(thread.canonical)", "error": "\(error)"])
        }
        let reason = (error as? ACPError).map { redactor.redact($0.chatText) } ?? "ERROR: the session could not be started"
        let text = "\(reason)\nThis thread is not bound to a session; spawn again from the parent conversation."
        await outbox.post(text, to: thread, kind: .notice)
    }

    /// `--cwd` resolved against the agent's cwd; it must lie under `acp.workspaceRoots` when set.
    private func workingDirectory(_ typed: String?, agentDefault: String) throws -> String {
        guard let typed else { return agentDefault }
        let path = typed.hasPrefix("/") ? typed : PathRules.join(agentDefault, typed)
        let standard = URL(fileURLWithPath: path).standardizedFileURL.path
        // Symlinks resolved: a link inside a root must not lead out of it.
        guard RealPath.isWithin(standard, roots: config.acp.workspaceRoots) else {
            throw ACPError(.invalidArgument, message: "--cwd must lie under acp.workspaceRoots")
        }
        return standard
    }
}
