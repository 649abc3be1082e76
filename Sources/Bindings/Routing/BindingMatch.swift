import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// `BindingSource` (config | runtime | route) is the control plane's (ACPControlPlane/Store/Records.swift).

/// A runtime binding as the store holds it (made by spawn/bind).
public struct RuntimeBinding: Sendable, Equatable {
    /// The bound conversation (exactly; runtime bindings do not extend to threads or topics).
    public var conversation: ConversationRef
    public var sessionKey: SessionKey
    /// Made with `--persist`: never expires.
    public var persist: Bool
    public var createdAt: Date
    /// Last inbound message routed through it or output delivered through it.
    public var lastActivityAt: Date

    /// A runtime binding as read from the store.
    public init(conversation: ConversationRef, sessionKey: SessionKey, persist: Bool, createdAt: Date, lastActivityAt: Date) {
        self.conversation = conversation
        self.sessionKey = sessionKey
        self.persist = persist
        self.createdAt = createdAt
        self.lastActivityAt = lastActivityAt
    }
}

/// The binding that applies to an inbound conversation, and how it matched.
public struct BindingMatch: Sendable, Equatable {
    /// How closely the binding's match fits the conversation.
    public enum Precision: String, Sendable, CaseIterable {
        /// The binding names this very conversation.
        case exact
        /// The binding names the parent (a Discord thread's channel; for routes also a Telegram topic's chat).
        case parent
        /// A route without `peer`: every conversation of the channel account.
        case channelWide
    }

    public var source: BindingSource
    public var precision: Precision
    /// The binding matched through `accountId: "*"`.
    public var accountWildcard: Bool
    public var sessionKey: SessionKey
    /// Settings to create the session with (config and route); nil for runtime bindings.
    public var settings: SessionSettings?
    /// The config entry (config and route); nil for runtime bindings.
    public var binding: BindingConfig?
    /// The runtime binding, for `source == .runtime`.
    public var runtimeBinding: RuntimeBinding?
    /// The conversation the message came from.
    public var inbound: ConversationRef
    /// `members` lets anyone who can post here prompt; runtime bindings are always `allowlist`.
    public var access: BindingConfig.Access

    /// A matched `type: acp` binding.
    static func config(_ entry: BindingIndex.ACPEntry, precision: Precision, accountWildcard: Bool,
                       inbound: ConversationRef) -> BindingMatch {
        BindingMatch(source: .config, precision: precision, accountWildcard: accountWildcard, sessionKey: entry.sessionKey,
                     settings: entry.settings, binding: entry.binding, runtimeBinding: nil, inbound: inbound,
                     access: entry.binding.access)
    }

    /// A matched route: the session is the inbound conversation's own (`SessionKeys.route`).
    static func route(_ entry: BindingIndex.RouteEntry, precision: Precision, accountWildcard: Bool,
                      inbound: ConversationRef) -> BindingMatch? {
        guard let key = try? SessionKeys.route(agentId: entry.settings.agentId, conversation: inbound) else { return nil }
        return BindingMatch(source: .route, precision: precision, accountWildcard: accountWildcard, sessionKey: key,
                            settings: entry.settings, binding: entry.binding, runtimeBinding: nil, inbound: inbound,
                            access: entry.binding.access)
    }

    /// A runtime binding of exactly the inbound conversation.
    static func runtime(_ binding: RuntimeBinding, inbound: ConversationRef) -> BindingMatch {
        BindingMatch(source: .runtime, precision: .exact, accountWildcard: false, sessionKey: binding.sessionKey,
                     settings: nil, binding: nil, runtimeBinding: binding, inbound: inbound, access: .allowlist)
    }
}
