import ACPControlPlane
import Logging
import Metrics

/// What the resolver needs from the store. Implemented by the control plane's store.
public protocol BindingLookup: Sendable {
    /// The active (not ended) runtime binding of exactly `conversation` (same channel, account and
    /// conversation id), if any.
    /// Runs on the caller's executor (no hop: it is on every message's path).
    nonisolated(nonsending) func runtimeBinding(for conversation: ConversationRef) async throws -> RuntimeBinding?
    /// The state of the session `key`, or nil when there is no such session.
    nonisolated(nonsending) func sessionState(_ key: SessionKey) async throws -> SessionState?
    /// The conversation's active runtime binding handed to `match`, and the state of the matched
    /// session (nil: no match, or no such session), read in one snapshot where the store can.
    /// The default asks `runtimeBinding(for:)`, then `sessionState(_:)`.
    nonisolated(nonsending) func matchWithSessionState(
        for conversation: ConversationRef, match: (RuntimeBinding?) -> BindingMatch?
    ) async throws -> (match: BindingMatch?, sessionState: SessionState?)
}

extension BindingLookup {
    /// Two separate reads: `runtimeBinding(for:)`, then `sessionState(_:)` of the match.
    public nonisolated(nonsending) func matchWithSessionState(
        for conversation: ConversationRef, match: (RuntimeBinding?) -> BindingMatch?
    ) async throws -> (match: BindingMatch?, sessionState: SessionState?) {
        guard let matched = match(try await runtimeBinding(for: conversation)) else { return (nil, nil) }
        return (matched, try await sessionState(matched.sessionKey))
    }
}

/// The outcome of resolving an inbound conversation.
public enum Resolution: Sendable, Equatable {
    /// Route to `match.sessionKey`: the session exists and is not closed.
    case bound(BindingMatch)
    /// A config or route binding whose session does not exist yet: create it with
    /// `match.settings` and its binding in one transaction, then route to it.
    case create(BindingMatch)
    /// The binding's session is missing or closed. Report it; never route elsewhere.
    case stale(BindingMatch, StaleReason)
    /// No binding: only commands are answered.
    case unbound

    /// The match, unless unbound.
    public var match: BindingMatch? {
        switch self {
        case .bound(let match), .create(let match), .stale(let match, _): match
        case .unbound: nil
        }
    }
}

/// Resolves inbound conversations (CONTRACT.md §3 precedence): runtime binding > config `acp`
/// binding (exact, then a Discord thread's parent) > `route` binding (exact peer, parent, then
/// channel-wide; exact account before `*`) > none. The first binding that matches decides, even
/// when its session is stale: a message is never routed to a lower-priority binding instead.
public struct BindingResolver: Sendable {
    public let index: BindingIndex
    let lookup: any BindingLookup
    let logger: Logger

    /// A resolver over one config's index; stale matches are logged to `logger`.
    public init(index: BindingIndex, lookup: any BindingLookup, logger: Logger = Logger(label: "acpd.routing")) {
        self.index = index
        self.lookup = lookup
        self.logger = logger
    }

    /// Resolves `conversation` against the store's runtime bindings and this index.
    public nonisolated(nonsending) func resolve(_ conversation: ConversationRef) async throws -> Resolution {
        let index = self.index
        let found = try await lookup.matchWithSessionState(for: conversation) { runtime in
            Self.match(conversation, runtime: runtime, index: index)
        }
        guard let match = found.match else { return .unbound }
        let resolution = Self.classify(match, sessionState: found.sessionState)
        if case .stale(let match, let reason) = resolution {
            Counter(label: "acpd_stale_bindings_total").increment()
            logger.warning("stale binding", metadata: [
                "conversation": "\(conversation.canonical)", "session": "\(match.sessionKey)",
                "source": "\(match.source.rawValue)", "reason": "\(reason.rawValue)",
            ])
        }
        return resolution
    }

    /// The binding that applies to `conversation` given its runtime binding (if any). Pure.
    public static func match(_ conversation: ConversationRef, runtime: RuntimeBinding?, index: BindingIndex) -> BindingMatch? {
        if let runtime { return .runtime(runtime, inbound: conversation) }
        return index.configMatch(for: conversation)
    }

    /// How to proceed with `match` given the state of its session (nil: no such session). Pure.
    ///
    /// A missing session is created for config and route bindings (on first use) and is stale
    /// for a runtime binding; a closed session is stale for every source.
    public static func classify(_ match: BindingMatch, sessionState: SessionState?) -> Resolution {
        switch (match.source, sessionState) {
        case (_, .closed?): .stale(match, .sessionClosed)
        case (.runtime, nil): .stale(match, .sessionMissing)
        case (.config, nil), (.route, nil): .create(match)
        case (_, _?): .bound(match)
        }
    }
}
