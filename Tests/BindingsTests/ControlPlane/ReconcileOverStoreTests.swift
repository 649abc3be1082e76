import ACPControlPlane
@testable import Bindings
import Foundation
import Testing
import TestSupport

/// The reconciler driving the real SQLite store and session manager through `ControlPlaneBindings`.
@Suite struct ReconcileOverStoreTests {
    typealias C = StoreConfigs

    @Test func startupCreatesSessionsAndBindingsUnderDeterministicKeysThenIsANoOp() async throws {
        let config = try C.config([C.telegram(), C.http(), C.discordRoute])
        try await ControlPlaneHarness.with(config) { h in
            let report = try await h.reconcile(config)
            #expect(report.summary == "reconcile: +2 -0 ~0 =0")

            let topicKey = try SessionKeys.configBinding(agentId: "demo", conversation: C.topic)
            #expect(topicKey.rawValue.hasPrefix("agent:demo:acp:binding:telegram:default:"))
            let topic = try #require(try h.store.session(topicKey))
            #expect(topic.state == .idle && topic.cwd == "/srv/demo" && topic.label == "tg-demo-42" && topic.backend == "stdio")
            let opsKey = try SessionKeys.configBinding(agentId: "demo", conversation: C.ops)
            #expect(try h.store.session(opsKey)?.state == .idle)
            let bindings = try h.store.bindings()
            #expect(Set(bindings.map(\.sessionKey)) == [topicKey, opsKey] && bindings.allSatisfy { $0.source == .config })
            #expect(await h.manager.liveRuntimes() == 0, "reconcile starts no runtime")

            h.clock.advance(hours: 1)
            let again = try await h.reconcile(config)
            #expect(again.summary == "reconcile: +0 -0 ~0 =2")
            #expect(try h.store.bindings() == bindings, "nothing changed")
            #expect(try h.store.session(topicKey) == topic)
        }
    }

    @Test func aChangedCwdClosesTheSessionAndBindsAFreshOne() async throws {
        let before = try C.config([C.telegram(), C.http()])
        try await ControlPlaneHarness.with(before) { h in
            _ = try await h.reconcile(before)
            let key = try SessionKeys.configBinding(agentId: "demo", conversation: C.ops)
            let oldBinding = try #require(try h.store.activeBindings(for: C.ops).first)
            h.clock.advance(hours: 1)

            let report = try await h.reconcile(try C.config([C.telegram(), C.http(cwd: "/srv/other")]))
            #expect(report.summary == "reconcile: +0 -0 ~1 =1" && report.failures.isEmpty)
            let session = try #require(try h.store.session(key), "same key: the session starts over under it")
            #expect(session.cwd == "/srv/other" && session.state == .idle && session.createdAt == h.clock.now())
            let closes = try h.store.events(session: key).filter { if case .sessionClosed = $0.payload { true } else { false } }
            #expect(closes.count == 1, "the old incarnation was closed")
            let active = try #require(try h.store.activeBindings(for: C.ops).first)
            #expect(active.id != oldBinding.id && active.sessionKey == key)
            #expect(try h.store.bindings(activeOnly: false).first { $0.id == oldBinding.id }?.endReason == "binding changed in config")
        }
    }

    @Test func aChangedAgentClosesTheOldSessionAndBindsOneUnderTheNewKey() async throws {
        let before = try C.config([C.http()])
        try await ControlPlaneHarness.with(before) { h in
            _ = try await h.reconcile(before)
            let report = try await h.reconcile(try C.config([C.http(agent: "codex")]))
            #expect(report.summary == "reconcile: +0 -0 ~1 =0" && report.failures.isEmpty)
            let oldKey = try SessionKeys.configBinding(agentId: "demo", conversation: C.ops)
            let newKey = try SessionKeys.configBinding(agentId: "codex", conversation: C.ops)
            #expect(try h.store.session(oldKey)?.state == .closed)
            #expect(try h.store.session(newKey)?.state == .idle)
            #expect(try h.store.activeBindings(for: C.ops).map(\.sessionKey) == [newKey])
        }
    }

    @Test func aRemovedBindingIsEndedAndItsSessionClosedWithItsRuntimeBindings() async throws {
        let before = try C.config([C.telegram(), C.http(), C.discordRoute])
        try await ControlPlaneHarness.with(before) { h in
            _ = try await h.reconcile(before)
            let opsKey = try SessionKeys.configBinding(agentId: "demo", conversation: C.ops)
            // Someone also bound another conversation to the config session with /acp bind.
            let side = ConversationRef(channel: .http, conversationId: "side")
            _ = try await h.manager.bind(opsKey, NewBinding(source: .runtime, conversation: side))
            // A route made a session on first message.
            let thread = ConversationRef(channel: .discord, conversationId: "777")
            let routeKey = try SessionKeys.route(agentId: "codex", conversation: thread)
            _ = try await h.manager.ensureSession(NewSession(key: routeKey, agentId: "codex", cwd: "/srv/codex"),
                                                  binding: NewBinding(source: .route, conversation: thread))
            h.clock.advance(hours: 1)

            let report = try await h.reconcile(try C.config([C.telegram()]))
            #expect(report.summary == "reconcile: +0 -2 ~0 =1" && report.failures.isEmpty)
            #expect(try h.store.session(opsKey)?.state == .closed)
            #expect(try h.store.session(routeKey)?.state == .closed)
            #expect(try h.store.bindings().map(\.conversation.canonical) == [C.topic.canonical])
            let ended = try h.store.bindings(activeOnly: false, session: opsKey)
            #expect(ended.count == 2 && ended.allSatisfy { $0.endedAt == h.clock.now() }, "binding, runtime binding and close: one transaction")
            #expect(try h.store.staleBindings().isEmpty)
        }
    }

    @Test func aRestartFindsTheSameSessions() async throws {
        let config = try C.config([C.telegram(), C.http()])
        try await withTemporaryDirectory { dir in
            let clock = ManualClock()
            let first = try await ControlPlaneHarness(dir: dir, config: config, clock: clock)
            _ = try await first.reconcile(config)
            let sessions = try first.store.sessions()
            try await first.close()

            clock.advance(hours: 5)
            let second = try await ControlPlaneHarness(dir: dir, config: config, clock: clock)
            let report = try await second.reconcile(config)
            #expect(report.summary == "reconcile: +0 -0 ~0 =2")
            #expect(try second.store.sessions() == sessions)
            try await second.close()
        }
    }
}
