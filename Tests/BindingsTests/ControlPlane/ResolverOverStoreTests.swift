import ACPControlPlane
@testable import Bindings
import Foundation
import Testing
import TestSupport

/// The resolver reading runtime bindings and session states from the real store.
@Suite struct ResolverOverStoreTests {
    typealias C = StoreConfigs

    @Test func aRuntimeBindingInTheStoreWinsOverTheConfigBinding() async throws {
        let config = try C.config([C.http()])
        try await ControlPlaneHarness.with(config) { h in
            _ = try await h.reconcile(config)
            let resolver = BindingResolver(index: BindingIndex(config: config), lookup: h.bindings)
            let configKey = try SessionKeys.configBinding(agentId: "demo", conversation: C.ops)
            #expect(try await resolver.resolve(C.ops).match?.sessionKey == configKey)

            // /acp spawn --bind here (the session without its first turn: no runtime needed).
            let spawned = try #require(SessionKey.spawned(agentId: "demo", uuid: UUID().uuidString))
            let (_, bound) = try await h.manager.createSession(NewSession(key: spawned, agentId: "demo", cwd: "/srv/demo"),
                                                               binding: NewBinding(source: .runtime, conversation: C.ops))
            guard case .bound(let match) = try await resolver.resolve(C.ops) else {
                Issue.record("expected the runtime binding to route")
                return
            }
            #expect(match.source == .runtime && match.sessionKey == spawned)
            #expect(match.runtimeBinding?.createdAt == h.clock.now())
            // Runtime bindings are exact: another account of the same conversation id still goes to config.
            let otherAccount = ConversationRef(channel: .http, accountId: "second", conversationId: "ops")
            #expect(try await h.bindings.runtimeBinding(for: otherAccount) == nil)

            // /acp unbind: back to the config binding.
            #expect(try await h.manager.endBinding(id: try #require(bound?.id), reason: "unbound"))
            #expect(try await resolver.resolve(C.ops) == .bound(try #require(BindingIndex(config: config).configMatch(for: C.ops))))
        }
    }

    @Test func aStaleConfigBindingIsReportedAndNotRoutedToTheRoute() async throws {
        let config = try C.config([C.discordChannel("111"), C.discordRoute])
        try await ControlPlaneHarness.with(config) { h in
            _ = try await h.reconcile(config)
            let resolver = BindingResolver(index: BindingIndex(config: config), lookup: h.bindings)
            let channel = ConversationRef(channel: .discord, conversationId: "111")
            let key = try SessionKeys.configBinding(agentId: "demo", conversation: channel)
            #expect(try await h.manager.close(key, reason: "/acp close"))

            guard case .stale(let match, let reason) = try await resolver.resolve(channel) else {
                Issue.record("expected a stale binding")
                return
            }
            #expect(match.source == .config && match.sessionKey == key && reason == .sessionClosed)
            let stale = StaleBindings.find(in: try await h.bindings.reconcilableBindings())
            #expect(stale.map(\.binding.sessionKey) == [key] && stale.first?.reason == .sessionClosed)
            #expect(try h.store.staleBindings().map(\.sessionKey) == [key])
            // Another channel still goes to the route.
            let other = ConversationRef(channel: .discord, conversationId: "222")
            #expect(try await resolver.resolve(other).match?.source == .route)

            // The next reconcile recreates it (session closed) and the conversation routes again.
            let report = try await h.reconcile(config)
            #expect(report.summary == "reconcile: +0 -0 ~1 =0")
            #expect(try await resolver.resolve(channel) == .bound(try #require(BindingIndex(config: config).configMatch(for: channel))))
        }
    }

    /// The store's `BindingLookup` with only the two separate reads (the protocol's default
    /// `matchWithSessionState`), to check the one-snapshot read against.
    struct TwoReads: BindingLookup {
        let base: ControlPlaneBindings
        func runtimeBinding(for conversation: ConversationRef) async throws -> RuntimeBinding? {
            try await base.runtimeBinding(for: conversation)
        }
        func sessionState(_ key: SessionKey) async throws -> SessionState? { try await base.sessionState(key) }
    }

    @Test func theOneSnapshotReadResolvesLikeTheTwoReads() async throws {
        let config = try C.config([C.http(), C.discordChannel("111"), C.discordRoute])
        try await ControlPlaneHarness.with(config) { h in
            let index = BindingIndex(config: config)
            let one = BindingResolver(index: index, lookup: h.bindings)
            let two = BindingResolver(index: index, lookup: TwoReads(base: h.bindings))
            let channel = ConversationRef(channel: .discord, conversationId: "111")
            let routed = ConversationRef(channel: .discord, conversationId: "222")
            let nowhere = ConversationRef(channel: .telegram, conversationId: "5")
            func both(_ conversation: ConversationRef) async throws -> Resolution {
                let resolution = try await one.resolve(conversation)
                #expect(resolution == (try await two.resolve(conversation)), "\(conversation.canonical)")
                return resolution
            }

            // Before reconcile: config and route bindings have no session yet.
            guard case .create = try await both(C.ops), case .create = try await both(routed) else {
                Issue.record("expected create before reconcile")
                return
            }
            #expect(try await both(nowhere) == .unbound)
            _ = try await h.reconcile(config)
            guard case .bound = try await both(C.ops), case .bound = try await both(channel) else {
                Issue.record("expected bound after reconcile")
                return
            }

            // A runtime binding wins; closing its session ends it, and the config binding applies again.
            let spawned = try #require(SessionKey.spawned(agentId: "demo", uuid: UUID().uuidString))
            _ = try await h.manager.createSession(NewSession(key: spawned, agentId: "demo", cwd: "/srv/demo"),
                                                 binding: NewBinding(source: .runtime, conversation: C.ops))
            #expect(try await both(C.ops).match?.sessionKey == spawned)
            #expect(try await h.manager.close(spawned, reason: "/acp close"))
            #expect(try await both(C.ops).match?.source == .config)

            // A closed config session: stale, not routed elsewhere.
            let key = try SessionKeys.configBinding(agentId: "demo", conversation: channel)
            #expect(try await h.manager.close(key, reason: "/acp close"))
            guard case .stale(_, .sessionClosed) = try await both(channel) else {
                Issue.record("expected a stale config binding")
                return
            }
        }
    }
}
