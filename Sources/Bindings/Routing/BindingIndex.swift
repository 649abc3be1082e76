import ACPControlPlane

/// The config bindings of one validated config, indexed for routing: the `acp` view (one
/// session per declared conversation) and the `route` view (one session per matching
/// conversation). Immutable; a reload builds a new one.
public struct BindingIndex: Sendable {
    /// A `type: acp` binding with its deterministic session key and effective settings.
    public struct ACPEntry: Sendable, Equatable {
        public let binding: BindingConfig
        /// The declared conversation (its account may be `*`).
        public let conversation: ConversationRef
        public let sessionKey: SessionKey
        public let settings: SessionSettings
    }

    /// A `type: route` binding with the settings of the sessions it makes.
    public struct RouteEntry: Sendable, Equatable {
        public let binding: BindingConfig
        public let settings: SessionSettings
    }

    struct MatchKey: Hashable, Sendable {
        var channel: ConversationRef.Channel
        var account: String
        var peer: String?
    }

    /// `acp` bindings in config order.
    public let acpEntries: [ACPEntry]
    /// `route` bindings in config order.
    public let routeEntries: [RouteEntry]
    private let acpByMatch: [MatchKey: ACPEntry]
    private let routeByMatch: [MatchKey: RouteEntry]

    /// Indexes the bindings of `config`. A validated config never has two bindings of one type
    /// on one match; should it happen anyway, the first one in file order is kept.
    public init(config: ACPDConfig) {
        var acpEntries: [ACPEntry] = [], routeEntries: [RouteEntry] = []
        var acpByMatch: [MatchKey: ACPEntry] = [:], routeByMatch: [MatchKey: RouteEntry] = [:]
        for binding in config.bindings {
            guard let settings = SessionSettings.effective(for: binding, in: config) else { continue }
            let key = MatchKey(channel: binding.channel, account: binding.accountId, peer: binding.peer?.id)
            switch binding.kind {
            case .acp:
                guard let conversation = binding.conversation, acpByMatch[key] == nil,
                      let sessionKey = try? SessionKeys.configBinding(agentId: binding.agentId, conversation: conversation)
                else { continue }
                let entry = ACPEntry(binding: binding, conversation: conversation, sessionKey: sessionKey, settings: settings)
                acpEntries.append(entry)
                acpByMatch[key] = entry
            case .route:
                guard routeByMatch[key] == nil else { continue }
                let entry = RouteEntry(binding: binding, settings: settings)
                routeEntries.append(entry)
                routeByMatch[key] = entry
            }
        }
        self.acpEntries = acpEntries
        self.routeEntries = routeEntries
        self.acpByMatch = acpByMatch
        self.routeByMatch = routeByMatch
    }

    /// The config binding that applies to `conversation`, ignoring runtime bindings:
    ///
    /// 1. `acp`: the exact conversation, then (Discord threads only) its parent channel;
    /// 2. `route`: the exact peer, then the parent conversation's peer (a Discord thread's channel,
    ///    a Telegram topic's chat), then channel-wide.
    ///
    /// At each step an exact account wins over `*`. Pure.
    public func configMatch(for conversation: ConversationRef) -> BindingMatch? {
        let channel = conversation.channel, account = conversation.accountId
        if let (entry, wildcard) = lookup(acpByMatch, channel, account, conversation.conversationId) {
            return .config(entry, precision: .exact, accountWildcard: wildcard, inbound: conversation)
        }
        if channel == .discord, let parent = conversation.parentConversationId,
           let (entry, wildcard) = lookup(acpByMatch, channel, account, parent) {
            return .config(entry, precision: .parent, accountWildcard: wildcard, inbound: conversation)
        }
        let steps: [(String?, BindingMatch.Precision)] = [
            (conversation.conversationId, .exact), (conversation.parentConversationId, .parent), (nil, .channelWide),
        ]
        for (peer, precision) in steps where peer != nil || precision == .channelWide {
            if let (entry, wildcard) = lookup(routeByMatch, channel, account, peer),
               let match = BindingMatch.route(entry, precision: precision, accountWildcard: wildcard, inbound: conversation) {
                return match
            }
        }
        return nil
    }

    /// The `acp` binding whose label is `label`, if any.
    public func acpEntry(label: String) -> ACPEntry? {
        acpEntries.first { $0.settings.label == label }
    }

    /// The `acp` binding that owns `sessionKey`, if any.
    public func acpEntry(sessionKey: SessionKey) -> ACPEntry? {
        acpEntries.first { $0.sessionKey == sessionKey }
    }

    private func lookup<Entry>(_ table: [MatchKey: Entry], _ channel: ConversationRef.Channel, _ account: String,
                               _ peer: String?) -> (Entry, Bool)? {
        if let entry = table[MatchKey(channel: channel, account: account, peer: peer)] { return (entry, false) }
        if let entry = table[MatchKey(channel: channel, account: AccountID.wildcard, peer: peer)] { return (entry, true) }
        return nil
    }
}
