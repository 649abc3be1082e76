import ACPControlPlane

extension ConfigBuilder {
    /// `bindings[]`: every rule of CONTRACT.md §3 for each binding, then duplicates across them.
    /// A binding is never skipped silently: it is either returned or has at least one issue.
    mutating func buildBindings(_ values: [ConfigValue], acp: ACPSettings, agents: [String: AgentConfig],
                                channels: ChannelsConfig) -> [BindingConfig] {
        var bindings: [BindingConfig] = []
        var firstByMatch: [String: Int] = [:]
        var firstByLabel: [String: Int] = [:]
        for (index, value) in values.enumerated() {
            let path = ConfigPath.root.key("bindings").index(index)
            let issuesBefore = issues.count
            guard let binding = buildBinding(value, index: index, path: path, acp: acp, agents: agents, channels: channels),
                  !hasStructuralIssue(within: path), issues.count == issuesBefore else { continue }
            let matchKey = [binding.kind.rawValue, binding.channel.rawValue, binding.accountId, binding.peer?.id ?? ""]
                .joined(separator: "\u{0}")
            if let first = firstByMatch[matchKey] {
                let peer = binding.peer.map { "peer \($0.id)" } ?? "no peer (channel-wide)"
                report(path.key("match"), "same type (\(binding.kind.rawValue)), channel, account and \(peer) as bindings[\(first)]; a conversation may match only one binding of each type: merge or remove one")
                continue
            }
            firstByMatch[matchKey] = index
            if let label = binding.overrides.label {
                if let first = firstByLabel[label] {
                    report(path.key("acp").key("label"), "label \"\(label)\" is already used by bindings[\(first)]; expected a unique label")
                    continue
                }
                firstByLabel[label] = index
            }
            bindings.append(binding)
        }
        return bindings
    }

    private mutating func buildBinding(_ value: ConfigValue, index: Int, path: ConfigPath, acp: ACPSettings,
                                       agents: [String: AgentConfig], channels: ChannelsConfig) -> BindingConfig? {
        let kind = value["type"]?.string.flatMap(BindingConfig.Kind.init) ?? .route
        let agentId = value["agentId"]?.string
        if let agentId {
            if agents[agentId] == nil {
                report(path.key("agentId"), undeclaredAgent(agentId, agents))
            } else if !acp.allows(agent: agentId) {
                report(path.key("agentId"), "agent \"\(agentId)\" is not in acp.allowedAgents; expected one of: \(acp.allowedAgents.joined(separator: ", "))")
            }
        }
        let match = value["match"] ?? .object([:])
        let channel = match["channel"]?.string.map { ConversationRef.Channel($0) }
        let accountId = match["accountId"]?.string ?? ConversationRef.defaultAccount
        if let channel { checkAccount(accountId, channel: channel, channels: channels, at: path.key("match").key("accountId")) }
        let peer = buildPeer(match["peer"], channel: channel, kind: kind, path: path.key("match").key("peer"))
        let overrides = buildOverrides(value["acp"] ?? .object([:]), kind: kind, agent: agentId.flatMap { agents[$0] },
                                       acp: acp, path: path.key("acp"))
        let approvers = (value["approvers"]?.strings ?? []).enumerated().compactMap { offset, text in
            sender(text, at: path.key("approvers").index(offset))
        }
        guard let agentId, let channel else { return nil }
        return BindingConfig(index: index, kind: kind, agentId: agentId, channel: channel, accountId: accountId,
                             peer: peer, overrides: overrides,
                             access: value["access"]?.string.flatMap(BindingConfig.Access.init) ?? .allowlist,
                             approvers: approvers)
    }

    /// An exact account of Telegram or Discord must be declared when that channel declares accounts.
    private mutating func checkAccount(_ accountId: String, channel: ConversationRef.Channel, channels: ChannelsConfig,
                                       at path: ConfigPath) {
        guard accountId != AccountID.wildcard, !hasStructuralIssue(within: path) else { return }
        let declared: [String] = switch channel {
        case .telegram: channels.telegram.keys.sorted()
        case .discord: channels.discord.keys.sorted()
        default: []
        }
        guard !declared.isEmpty, !declared.contains(accountId) else { return }
        report(path, "account \"\(accountId)\" is not declared under channels.\(channel).accounts; expected one of: \(declared.joined(separator: ", ")) or *")
    }

    private mutating func buildPeer(_ value: ConfigValue?, channel: ConversationRef.Channel?, kind: BindingConfig.Kind,
                                    path: ConfigPath) -> BindingConfig.Peer? {
        guard let value else {
            if kind == .acp, !hasStructuralIssue(within: path) {
                let form = channel.map { ConversationIDs.expectedForm(for: $0) } ?? "the conversation id"
                report(path.key("id"), "required for type: acp (an acp binding pins one conversation); expected \(form)")
            }
            return nil
        }
        guard let id = value["id"]?.string, let channel else { return nil }
        let conversation: ConversationRef
        do {
            conversation = try ConversationIDs.parse(id, channel: channel)
        } catch {
            report(path.key("id"), error.message)
            return nil
        }
        let peerKind = value["kind"]?.string.flatMap(BindingConfig.Peer.Kind.init)
        if channel == .telegram, let peerKind {
            let isPrivate = !(conversation.conversationId.hasPrefix("-"))
            if (peerKind == .direct) != isPrivate {
                let fits = isPrivate ? "direct" : "group or channel"
                report(path.key("kind"), "\(peerKind.rawValue) does not fit Telegram id \(id): \(isPrivate ? "positive ids are private chats" : "negative ids are groups and channels"); expected \(fits)")
            }
        }
        return BindingConfig.Peer(kind: peerKind, id: conversation.conversationId)
    }

    private mutating func buildOverrides(_ value: ConfigValue, kind: BindingConfig.Kind, agent: AgentConfig?,
                                         acp: ACPSettings, path: ConfigPath) -> BindingConfig.Overrides {
        var overrides = BindingConfig.Overrides(
            label: value["label"]?.string,
            mode: value["mode"]?.string.flatMap(SessionMode.init),
            backend: value["backend"]?.string)
        if overrides.label != nil, kind != .acp {
            report(path.key("label"), "only type: acp bindings have a label (a route makes one session per conversation); remove it or use type: acp")
        }
        if let cwd = value["cwd"]?.string {
            if !PathRules.isAbsolute(cwd) {
                report(path.key("cwd"), "must be an absolute path (e.g. /srv/repo), got \(ConfigValue.quoted(cwd))")
            } else {
                let normal = PathRules.normalised(cwd)
                overrides.cwd = normal
                if !PathRules.isAllowed(normal, roots: acp.workspaceRoots) {
                    report(path.key("cwd"), "\(normal) lies outside acp.workspaceRoots; expected a directory under \(acp.workspaceRoots.joined(separator: " or "))")
                }
            }
        }
        return overrides
    }
}
