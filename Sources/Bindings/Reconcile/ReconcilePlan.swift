import ACPControlPlane

/// The delta between the bindings a config declares and those the store holds: what to create,
/// end, and close-and-recreate. A pure function of its inputs; `Reconciler` applies it.
public struct ReconcilePlan: Sendable, Equatable {
    /// A binding to close and recreate, and why (`agent demo→codex`, `session closed`).
    public struct Recreate: Sendable, Equatable {
        public var old: StoredBinding
        public var new: DeclaredBinding
        public var reasons: [String]
    }

    /// A stored binding to end, and why.
    public struct End: Sendable, Equatable {
        public var binding: StoredBinding
        public var reason: String
    }

    /// Declared `acp` bindings with no stored binding.
    public var creates: [DeclaredBinding] = []
    /// Stored bindings the config no longer declares (or that another binding now shadows).
    public var ends: [End] = []
    /// Stored bindings whose session must start over.
    public var recreates: [Recreate] = []
    /// Stored bindings that stay as they are.
    public var unchanged: [StoredBinding] = []

    /// True when applying the plan changes nothing.
    public var isEmpty: Bool { creates.isEmpty && ends.isEmpty && recreates.isEmpty }

    /// `reconcile: +2 -1 ~1 =14` (created, ended, recreated, unchanged).
    public var summary: String {
        "reconcile: +\(creates.count) -\(ends.count) ~\(recreates.count) =\(unchanged.count)"
    }

    /// Computes the plan for `index` (the new config) against `stored` (the store's `config` and
    /// `route` bindings; others are ignored).
    ///
    /// - `config` bindings: matched to declared `acp` bindings by conversation. Missing → create;
    ///   session missing or closed, or agent/cwd/mode/backend changed → recreate; not declared →
    ///   end. A second stored binding for one declared conversation is ended.
    /// - `route` bindings (sessions routes made on first message): the conversation is matched
    ///   against the new config. Still the same route's → kept, or recreated when its settings
    ///   changed; now matched by an `acp` binding or by nothing → ended. Sessions of routes are
    ///   never created here (they are made on first message).
    public static func compute(index: BindingIndex, stored: [StoredBinding]) -> ReconcilePlan {
        var plan = ReconcilePlan()
        var storedConfig: [String: [StoredBinding]] = [:]
        for binding in stored where binding.source == .config {
            storedConfig[binding.conversation.canonical, default: []].append(binding)
        }
        for entry in index.acpEntries {
            let declared = DeclaredBinding(conversation: entry.conversation, source: .config, sessionKey: entry.sessionKey,
                                           settings: entry.settings, bindingIndex: entry.binding.index)
            guard var matches = storedConfig.removeValue(forKey: entry.conversation.canonical), !matches.isEmpty else {
                plan.creates.append(declared)
                continue
            }
            // Prefer the stored binding that already has the declared key, then file order.
            let keep = matches.firstIndex { $0.sessionKey == entry.sessionKey } ?? 0
            let current = matches.remove(at: keep)
            for extra in matches {
                plan.ends.append(End(binding: extra, reason: "second stored binding for \(entry.conversation.canonical)"))
            }
            plan.add(current, declared: declared)
        }
        for binding in storedConfig.values.flatMap({ $0 }) {
            plan.ends.append(End(binding: binding, reason: "no longer declared in bindings[]"))
        }
        for binding in stored where binding.source == .route {
            guard let match = index.configMatch(for: binding.conversation) else {
                plan.ends.append(End(binding: binding, reason: "no route matches the conversation any more"))
                continue
            }
            guard match.source == .route, let settings = match.settings, let config = match.binding else {
                plan.ends.append(End(binding: binding, reason: "an acp binding now matches the conversation"))
                continue
            }
            let declared = DeclaredBinding(conversation: binding.conversation, source: .route, sessionKey: match.sessionKey,
                                           settings: settings, bindingIndex: config.index)
            plan.add(binding, declared: declared)
        }
        plan.ends.sort { $0.binding.conversation.canonical < $1.binding.conversation.canonical }
        return plan
    }

    /// Files `stored` against what is `declared` for it: unchanged or recreate.
    private mutating func add(_ stored: StoredBinding, declared: DeclaredBinding) {
        var reasons: [String] = []
        switch stored.session {
        case nil:
            reasons.append("session missing")
        case let session? where session.state == .closed:
            reasons.append("session closed")
        case let session?:
            reasons = declared.settings.recreateReasons(comparedTo: session.settings)
            if reasons.isEmpty, stored.sessionKey != declared.sessionKey {
                reasons.append("session key \(stored.sessionKey)→\(declared.sessionKey)")
            }
        }
        if reasons.isEmpty {
            unchanged.append(stored)
        } else {
            recreates.append(Recreate(old: stored, new: declared, reasons: reasons))
        }
    }
}
