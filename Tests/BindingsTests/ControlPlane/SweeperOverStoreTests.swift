import ACPControlPlane
@testable import Bindings
import Foundation
import Synchronization
import Testing
import TestSupport

/// Runtime-binding expiry through the sweeper, over the real store, with a manual clock.
@Suite struct SweeperOverStoreTests {
    typealias C = StoreConfigs
    static let policy = RuntimeBindingPolicy(idleHours: 1, maxAgeHours: 0)

    /// A spawned session bound to `conversation` with a runtime binding.
    static func spawnBound(_ h: ControlPlaneHarness, _ conversation: ConversationRef, persist: Bool = false) async throws -> SessionKey {
        let key = try #require(SessionKey.spawned(agentId: "demo", uuid: UUID().uuidString))
        try await h.manager.createSession(NewSession(key: key, agentId: "demo", cwd: "/srv/demo"),
                                          binding: NewBinding(source: .runtime, conversation: conversation, persist: persist))
        return key
    }

    static func sweeper(_ store: any RuntimeBindingStore, _ notifier: RecordingNotifier, _ clock: ManualClock) -> RuntimeBindingSweeper {
        RuntimeBindingSweeper(store: store, notifier: notifier, policy: { policy }, clock: clock)
    }

    @Test func anIdleBindingEndsOnceAndIsNotifiedOnceAPersistOneNever() async throws {
        try await ControlPlaneHarness.with(try C.config([])) { h in
            let idle = ConversationRef(channel: .http, conversationId: "idle")
            let kept = ConversationRef(channel: .http, conversationId: "kept")
            let idleKey = try await Self.spawnBound(h, idle)
            _ = try await Self.spawnBound(h, kept, persist: true)
            let notifier = RecordingNotifier()

            h.clock.advance(hours: 0.5)
            #expect(await Self.sweeper(h.bindings, notifier, h.clock).sweep().isEmpty)

            h.clock.advance(hours: 1)
            // Two sweepers at once (say, a slow one and the next tick): the binding ends once.
            async let first = Self.sweeper(h.bindings, notifier, h.clock).sweep()
            async let second = Self.sweeper(h.bindings, notifier, h.clock).sweep()
            let ended = await first + second
            #expect(ended.map(\.binding.sessionKey) == [idleKey] && ended.first?.reason == .idle)
            let notices = await notifier.notices
            #expect(notices.map(\.conversation) == [idle])
            #expect(notices.first?.text.contains("no messages for 1 hour") == true)
            #expect(try h.store.activeBindings(for: idle).isEmpty)
            #expect(try h.store.bindings(activeOnly: false).first { $0.conversation == idle }?.endReason == "expired (idle)")
            #expect(try h.store.session(idleKey)?.state == .idle, "expiry ends the binding, not the session")

            h.clock.advance(hours: 1000)
            #expect(await Self.sweeper(h.bindings, notifier, h.clock).sweep().isEmpty)
            #expect(await notifier.notices.count == 1)
            #expect(try h.store.activeBindings(for: kept).count == 1, "--persist never expires")
        }
    }

    /// Lists through the real adapter, then lets traffic reach the binding before the sweeper ends it.
    struct TrafficAfterScan: RuntimeBindingStore {
        let inner: ControlPlaneBindings
        let traffic: @Sendable () async throws -> Void
        func activeRuntimeBindings() async throws -> [RuntimeBinding] {
            let listed = try await inner.activeRuntimeBindings()
            try await traffic()
            return listed
        }
        func endExpiredRuntimeBinding(_ binding: RuntimeBinding, reason: RuntimeBindingExpiry.Reason) async throws -> Bool {
            try await inner.endExpiredRuntimeBinding(binding, reason: reason)
        }
    }

    @Test func trafficBetweenTheScanAndTheEndKeepsTheBinding() async throws {
        try await ControlPlaneHarness.with(try C.config([])) { h in
            let conversation = ConversationRef(channel: .http, conversationId: "busy")
            let key = try await Self.spawnBound(h, conversation)
            let before = try #require(try await h.bindings.runtimeBinding(for: conversation))
            h.clock.advance(hours: 2)
            // An inbound message routed through the binding (its run fails at once: no backend is
            // registered here, but the message was taken and the binding touched).
            let store = TrafficAfterScan(inner: h.bindings) {
                h.clock.advance(hours: 0.01)
                _ = try await h.manager.submit(key, prompt: [.text("hello")], from: conversation)
            }
            let notifier = RecordingNotifier()

            #expect(await Self.sweeper(store, notifier, h.clock).sweep().isEmpty)
            #expect(await notifier.notices.isEmpty)
            let after = try #require(try await h.bindings.runtimeBinding(for: conversation))
            #expect(after.lastActivityAt > before.lastActivityAt)
            // The next sweep sees the fresh activity: not expired yet.
            #expect(await Self.sweeper(h.bindings, notifier, h.clock).sweep().isEmpty)
        }
    }
}
