import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finding the session a message or command acts on.
extension InboundRouter {
    /// The session bound to the conversation; a config or route binding whose session does not
    /// exist yet has it created now (deterministic key, with its binding, no runtime started).
    func boundSession(_ context: CommandContext) async throws -> SessionKey {
        switch context.resolution {
        case .bound(let match): return match.sessionKey
        case .create(let match): return try await createBoundSession(match, conversation: context.conversation)
        case .stale(let match, let reason):
            // A config or route binding outlives its closed session: `/new` starts a fresh one in place.
            throw reason == .sessionClosed
                ? ACPError(.sessionClosed, message: "the session bound here is closed",
                           hint: match.source == .runtime ? nil : "send /new to start a fresh session here")
                : ACPError(.sessionNotFound, message: "the session bound here no longer exists")
        case .unbound: throw ACPError(.notBound)
        }
    }

    /// Creates the session of a config or route binding on first use (`SessionManager.ensureSession`).
    func createBoundSession(_ match: BindingMatch, conversation: ConversationRef) async throws -> SessionKey {
        guard let settings = match.settings else { throw ACPError(.sessionNotFound, message: "the session bound here no longer exists") }
        let bound = match.source == .config
            ? resolver.index.acpEntries.first(where: { $0.sessionKey == match.sessionKey })?.conversation ?? conversation
            : conversation
        let new = NewSession(key: match.sessionKey, agentId: settings.agentId, cwd: settings.cwd, mode: settings.mode,
                             backend: settings.backend, label: settings.label)
        _ = try await manager.ensureSession(new, binding: NewBinding(source: match.source, conversation: bound, persist: true))
        logger.info("session created for binding", metadata: ["session": "\(match.sessionKey)", "source": "\(match.source.rawValue)"])
        return match.sessionKey
    }

    /// The session a `target` names: the one bound here, or an open session by key or label.
    func session(for target: SessionTarget, _ context: CommandContext) async throws -> SessionKey {
        switch target {
        case .here: return try await boundSession(context)
        case .named(let name): return try namedSession(name)
        }
    }

    /// An existing session by key (any state), else the one open session with this label.
    func namedSession(_ name: String) throws -> SessionKey {
        if let key = SessionKey(name), try store.session(key) != nil { return key }
        let open = try store.sessions(label: name).filter { $0.state != .closed }
        guard let only = open.first else { throw ACPError(.sessionNotFound, message: "no session with key or label \(name)") }
        guard open.count == 1 else {
            throw ACPError(.invalidArgument, message: "\(open.count) open sessions are labelled \(name); use the session key")
        }
        return only.key
    }
}
