import ACPControlPlane

/// Why a binding is stale.
public enum StaleReason: String, Sendable, Equatable, CaseIterable {
    /// The binding's session does not exist.
    case sessionMissing = "session_missing"
    /// The binding's session is closed.
    case sessionClosed = "session_closed"
}

/// A binding whose session is missing or closed (ARCHITECTURE.md: reported, never routed elsewhere).
public struct StaleBinding: Sendable, Equatable {
    public var binding: StoredBinding
    public var reason: StaleReason
}

/// Detection and reporting of stale bindings, for the router, `acpd doctor` and `acpd bindings`.
public enum StaleBindings {
    /// The stale ones among `bindings` (all sources), in the given order. Pure.
    public static func find(in bindings: [StoredBinding]) -> [StaleBinding] {
        bindings.compactMap { binding in
            guard let session = binding.session else { return StaleBinding(binding: binding, reason: .sessionMissing) }
            return session.state == .closed ? StaleBinding(binding: binding, reason: .sessionClosed) : nil
        }
    }

    /// The chat error for a message that reached a stale binding: it names the session and says
    /// how to recover for that source; it never suggests the message went elsewhere.
    public static func error(for match: BindingMatch, reason: StaleReason) -> ACPError {
        let what = reason == .sessionClosed ? "is closed" : "no longer exists"
        let hint: String = switch match.source {
        case .runtime: "unbind with /acp unbind, then /acp spawn --bind here or /acp bind <session>"
        case .config: "this binding is declared in config: reload acpd's config (SIGHUP) to recreate its session, or run `acpd doctor`"
        case .route: "start a fresh session here with /new"
        }
        return ACPError(reason == .sessionClosed ? .sessionClosed : .sessionNotFound,
                        message: "this conversation is bound to session \(match.sessionKey), which \(what); the message was not sent",
                        hint: hint)
    }
}
