import ACPControlPlane
@testable import Bindings
import Foundation
import Testing

@Suite struct ResolverTests {
    /// acp and route bindings on Telegram and Discord, with exact and `*` accounts.
    static let config: ACPDConfig = {
        let yaml = """
            agents:
              demo: { command: [demo], cwd: /srv/demo }
              codex: { command: [codex], cwd: /srv/codex }
              gem: { command: [gem], cwd: /srv/gem, backend: acpx }
            bindings:
              - type: acp        # 0: a Telegram topic
                agentId: demo
                match: { channel: telegram, peer: { id: "-100111:topic:42" } }
                acp: { label: topic42, cwd: /srv/topic, mode: oneshot }
                access: members
              - type: route      # 1: the same forum's other topics
                agentId: codex
                match: { channel: telegram, peer: { id: "-100111" } }
              - type: acp        # 2: a Discord channel (its threads too)
                agentId: demo
                match: { channel: discord, peer: { id: "200" } }
              - type: acp        # 3: one thread of that channel, other agent
                agentId: codex
                match: { channel: discord, peer: { id: "201" } }
              - type: acp        # 4: any account's channel 300
                agentId: gem
                match: { channel: discord, accountId: "*", peer: { id: "300" } }
              - type: acp        # 5: account alt's channel 300
                agentId: codex
                match: { channel: discord, accountId: alt, peer: { id: "300" } }
              - type: route      # 6: Discord account default, channel-wide
                agentId: codex
                match: { channel: discord }
              - type: route      # 7: Discord any account, channel-wide
                agentId: gem
                match: { channel: discord, accountId: "*" }
              - type: route      # 8: Discord any account, channel 400
                agentId: demo
                match: { channel: discord, accountId: "*", peer: { id: "400" } }
            """
        return try! ConfigLoader.parse(yaml, baseDirectory: "/etc/acpd", environment: [:])
    }()
    static let index = BindingIndex(config: config)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var conversation: ConversationRef
        var runtime: Bool = false
        var source: BindingSource?
        var bindingIndex: Int?
        var precision: BindingMatch.Precision = .exact
        var wildcard = false
        var testDescription: String { name }
    }

    static func tg(_ id: String, parent: String? = nil, account: String = "default") -> ConversationRef {
        ConversationRef(channel: .telegram, accountId: account, conversationId: id, parentConversationId: parent)
    }
    static func dc(_ id: String, parent: String? = nil, account: String = "default") -> ConversationRef {
        ConversationRef(channel: .discord, accountId: account, conversationId: id, parentConversationId: parent)
    }

    static let cases: [Case] = [
        Case(name: "runtime beats config acp", conversation: tg("-100111:topic:42", parent: "-100111"), runtime: true, source: .runtime),
        Case(name: "runtime beats route", conversation: dc("999"), runtime: true, source: .runtime),
        Case(name: "config acp on the exact topic", conversation: tg("-100111:topic:42", parent: "-100111"), source: .config, bindingIndex: 0),
        Case(name: "other topic of the forum: route via parent chat (Telegram topics do not inherit acp)",
             conversation: tg("-100111:topic:7", parent: "-100111"), source: .route, bindingIndex: 1, precision: .parent),
        Case(name: "unmatched Telegram chat is unbound", conversation: tg("-100999")),
        Case(name: "Discord channel exact", conversation: dc("200"), source: .config, bindingIndex: 2),
        Case(name: "Discord thread inherits its channel's acp binding", conversation: dc("250", parent: "200"),
             source: .config, bindingIndex: 2, precision: .parent),
        Case(name: "Discord thread with its own binding beats its parent", conversation: dc("201", parent: "200"),
             source: .config, bindingIndex: 3),
        Case(name: "exact account beats *", conversation: dc("300", account: "alt"), source: .config, bindingIndex: 5),
        Case(name: "* matches other accounts", conversation: dc("300", account: "other"), source: .config, bindingIndex: 4, wildcard: true),
        Case(name: "acp on parent beats exact route", conversation: dc("400", parent: "200"), source: .config, bindingIndex: 2,
             precision: .parent),
        Case(name: "route exact peer beats channel-wide (even via *)", conversation: dc("400"), source: .route, bindingIndex: 8, wildcard: true),
        Case(name: "route parent peer beats channel-wide", conversation: dc("401", parent: "400"), source: .route, bindingIndex: 8,
             precision: .parent, wildcard: true),
        Case(name: "channel-wide route, exact account beats *", conversation: dc("555"), source: .route, bindingIndex: 6,
             precision: .channelWide),
        Case(name: "channel-wide route via * for other accounts", conversation: dc("555", account: "x"), source: .route,
             bindingIndex: 7, precision: .channelWide, wildcard: true),
        Case(name: "http conversation without bindings is unbound",
             conversation: ConversationRef(channel: .http, conversationId: "alice")),
    ]

    @Test(arguments: cases)
    func precedence(_ testCase: Case) throws {
        let runtime = testCase.runtime ? RuntimeBinding(
            conversation: testCase.conversation, sessionKey: SessionKey("agent:demo:acp:1234")!, persist: false,
            createdAt: Date(timeIntervalSince1970: 0), lastActivityAt: Date(timeIntervalSince1970: 0)) : nil
        let match = BindingResolver.match(testCase.conversation, runtime: runtime, index: Self.index)
        guard let source = testCase.source else {
            #expect(match == nil)
            return
        }
        let found = try #require(match)
        #expect(found.source == source)
        #expect(found.binding?.index == testCase.bindingIndex)
        #expect(found.precision == testCase.precision)
        #expect(found.accountWildcard == testCase.wildcard)
        #expect(found.inbound == testCase.conversation)
    }

    @Test func configBindingCarriesEffectiveSettingsAndAccess() throws {
        let match = try #require(Self.index.configMatch(for: Self.tg("-100111:topic:42", parent: "-100111")))
        #expect(match.settings == SessionSettings(agentId: "demo", cwd: "/srv/topic", mode: .oneshot, backend: "stdio", label: "topic42"))
        #expect(match.access == .members)
        #expect(match.sessionKey.rawValue.hasPrefix("agent:demo:acp:binding:telegram:default:"))
        let gem = try #require(Self.index.configMatch(for: Self.dc("300", account: "zzz")))
        #expect(gem.settings?.backend == "acpx", "agent backend overrides acp.backend")
        #expect(gem.sessionKey.rawValue.hasPrefix("agent:gem:acp:binding:discord:*:"))
    }

    @Test func routeSessionsAreOnePerConversation() throws {
        let a = try #require(Self.index.configMatch(for: Self.dc("555")))
        let b = try #require(Self.index.configMatch(for: Self.dc("556")))
        #expect(a.sessionKey != b.sessionKey)
        #expect(a.sessionKey == (try SessionKeys.route(agentId: "codex", conversation: Self.dc("555"))))
        #expect(a.settings?.label == nil)
    }

    @Test func labelLookup() {
        #expect(Self.index.acpEntry(label: "topic42")?.binding.index == 0)
        #expect(Self.index.acpEntry(label: "nope") == nil)
    }

    // MARK: - Session state → resolution

    struct Lookup: BindingLookup {
        var runtime: RuntimeBinding?
        var states: [SessionKey: SessionState]
        func runtimeBinding(for conversation: ConversationRef) async throws -> RuntimeBinding? {
            runtime?.conversation == conversation ? runtime : nil
        }
        func sessionState(_ key: SessionKey) async throws -> SessionState? { states[key] }
    }

    @Test func staleBindingsAreReportedNeverRoutedElsewhere() async throws {
        let topic = Self.tg("-100111:topic:42", parent: "-100111")
        let runtimeKey = SessionKey("agent:demo:acp:dead")!
        let runtime = RuntimeBinding(conversation: topic, sessionKey: runtimeKey, persist: true,
                                     createdAt: Date(), lastActivityAt: Date())
        let configKey = try #require(Self.index.configMatch(for: topic)).sessionKey

        // Runtime binding to a missing session: stale, although a config binding would match.
        var resolver = BindingResolver(index: Self.index, lookup: Lookup(runtime: runtime, states: [configKey: .idle]))
        var resolution = try await resolver.resolve(topic)
        #expect(resolution == .stale(BindingResolver.match(topic, runtime: runtime, index: Self.index)!, .sessionMissing))

        // Runtime binding to a closed session: stale.
        resolver = BindingResolver(index: Self.index, lookup: Lookup(runtime: runtime, states: [runtimeKey: .closed]))
        resolution = try await resolver.resolve(topic)
        guard case .stale(let match, .sessionClosed) = resolution else { Issue.record("\(resolution)"); return }
        #expect(match.source == .runtime)
        #expect(StaleBindings.error(for: match, reason: .sessionClosed).code == .sessionClosed)

        // Config binding with a closed session: stale, not handed to the route on the parent chat.
        resolver = BindingResolver(index: Self.index, lookup: Lookup(runtime: nil, states: [configKey: .closed]))
        resolution = try await resolver.resolve(topic)
        #expect(resolution.match?.source == .config)
        guard case .stale = resolution else { Issue.record("\(resolution)"); return }

        // Config binding whose session was never made: create it.
        resolver = BindingResolver(index: Self.index, lookup: Lookup(runtime: nil, states: [:]))
        guard case .create(let create) = try await resolver.resolve(topic) else { Issue.record("expected create"); return }
        #expect(create.sessionKey == configKey)

        // Running session: bound.
        resolver = BindingResolver(index: Self.index, lookup: Lookup(runtime: nil, states: [configKey: .running]))
        guard case .bound = try await resolver.resolve(topic) else { Issue.record("expected bound"); return }

        // Nothing matches: unbound.
        #expect(try await resolver.resolve(Self.tg("5")) == .unbound)
    }

    @Test func staleBindingsAreFoundInTheStore() {
        let settings = SessionSettings(agentId: "demo", cwd: "/srv", mode: .persistent, backend: "stdio")
        let key = SessionKey("agent:demo:acp:x")!
        let bindings = [
            StoredBinding(conversation: Self.dc("1"), source: .runtime, sessionKey: key, session: nil),
            StoredBinding(conversation: Self.dc("2"), source: .config, sessionKey: key, session: .init(settings: settings, state: .closed)),
            StoredBinding(conversation: Self.dc("3"), source: .route, sessionKey: key, session: .init(settings: settings, state: .error)),
        ]
        #expect(StaleBindings.find(in: bindings).map(\.reason) == [.sessionMissing, .sessionClosed])
    }
}
