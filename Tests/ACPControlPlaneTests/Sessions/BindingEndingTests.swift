import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// `close(_:reason:endingBindingsFrom:)`, `replaceSession` and the compare-and-set
/// `endRuntimeBinding`: what the reconciler and the expiry sweeper use. No runtime is started.
@Suite struct BindingEndingTests {
    static let ops = ConversationRef(channel: .http, conversationId: "ops")
    static let side = ConversationRef(channel: .http, conversationId: "side")

    /// A manager on a fresh store (the stdio backend registered, never started here), shut down after `body`.
    static func withHarness(_ clock: TestClock, _ body: (URL, ManagerHarness) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            let h = try await ManagerHarness(dir: dir, now: clock.now)
            do {
                try await body(dir, h)
            } catch {
                await h.shutdown()
                throw error
            }
            await h.shutdown()
        }
    }

    @Test func closeEndingConfigBindingsEndsThemWithTheRuntimeOnesInOneTransaction() async throws {
        let clock = TestClock()
        try await Self.withHarness(clock) { dir, h in
            let new = h.newSession("cfg")
            try await h.manager.createSession(new, binding: NewBinding(source: .config, conversation: Self.ops))
            _ = try await h.manager.bind(new.key, NewBinding(source: .runtime, conversation: Self.side))
            clock.advance(by: 60)

            #expect(try await h.manager.close(new.key, reason: "binding removed from config", endingBindingsFrom: [.config]))
            #expect(try h.store.session(new.key)?.state == .closed)
            #expect(try h.store.bindings(activeOnly: true).isEmpty)
            let ended = try h.store.bindings(activeOnly: false, session: new.key)
            #expect(Set(ended.map(\.endedAt)) == [clock.now()], "both end in the close transaction")
            #expect(ended.first { $0.source == .config }?.endReason == "binding removed from config")
            #expect(ended.first { $0.source == .runtime }?.endReason == "session closed")
        }
    }

    @Test func closeOnAClosedSessionStillEndsTheGivenBindings() async throws {
        try await Self.withHarness(TestClock()) { dir, h in
            let new = h.newSession("cfg")
            try await h.manager.createSession(new, binding: NewBinding(source: .config, conversation: Self.ops))
            #expect(try await h.manager.close(new.key))
            #expect(try h.store.bindings(activeOnly: true, source: .config).count == 1, "a plain close keeps config bindings (stale)")

            #expect(try await h.manager.close(new.key, reason: "gone", endingBindingsFrom: [.config]) == false)
            #expect(try h.store.bindings(activeOnly: true).isEmpty)
        }
    }

    @Test(arguments: [false, true])
    func replaceSessionClosesTheOldAndBindsAFreshOne(sameKey: Bool) async throws {
        let clock = TestClock()
        try await Self.withHarness(clock) { dir, h in
            let old = h.newSession("old")
            try await h.manager.createSession(old, binding: NewBinding(source: .config, conversation: Self.ops))
            _ = try await h.manager.bind(old.key, NewBinding(source: .runtime, conversation: Self.side))
            let collector = EventCollector(h.manager.subscribe(old.key))
            defer { collector.stop() }
            clock.advance(by: 60)

            var fresh = sameKey ? old : h.newSession("new")
            fresh.cwd = dir.appendingPathComponent("elsewhere").path
            let record = try await h.manager.replaceSession(old.key, reason: "cwd changed", endingBindingsFrom: [.config], with: fresh,
                                                            binding: NewBinding(source: .config, conversation: Self.ops))
            #expect(record.key == fresh.key)
            let stored = try #require(try h.store.session(fresh.key))
            #expect(stored.state == .idle && stored.cwd == fresh.cwd && stored.createdAt == clock.now())
            if !sameKey { #expect(try h.store.session(old.key)?.state == .closed) }
            let active = try h.store.bindings(activeOnly: true)
            #expect(active.map(\.source) == [.config] && active.first?.sessionKey == fresh.key)
            let ended = try h.store.bindings(activeOnly: false).filter { !$0.isActive }
            #expect(ended.count == 2 && ended.allSatisfy { $0.endedAt == clock.now() })
            try await collector.wait("close event") { events in
                events.contains { if case .sessionClosed = $0.payload { true } else { false } }
            }
            // The fresh session takes prompts (its actor is not the closed one).
            let status = try await h.manager.status(fresh.key)
            #expect(status.session.state == .idle)
        }
    }

    @Test func replaceSessionWithAnUnknownAgentChangesNothing() async throws {
        try await Self.withHarness(TestClock()) { dir, h in
            let old = h.newSession("old")
            try await h.manager.createSession(old, binding: NewBinding(source: .config, conversation: Self.ops))
            var fresh = old
            fresh.agentId = "nobody"
            await #expect(throws: ACPError.self) {
                try await h.manager.replaceSession(old.key, reason: "x", endingBindingsFrom: [.config], with: fresh,
                                                   binding: NewBinding(source: .config, conversation: Self.ops))
            }
            #expect(try h.store.session(old.key)?.state == .idle)
            #expect(try h.store.bindings(activeOnly: true).count == 1)
        }
    }

    @Test func endRuntimeBindingIsACompareAndSetOnLastActivity() async throws {
        let clock = TestClock()
        try await Self.withHarness(clock) { dir, h in
            let new = h.newSession("rt")
            try await h.manager.createSession(new, binding: NewBinding(source: .runtime, conversation: Self.ops))
            let seen = try #require(try h.store.activeBindings(for: Self.ops).first)
            let other = h.newSession("other")

            #expect(try await h.manager.endRuntimeBinding(Self.ops, session: new.key,
                                                          ifLastActivityAt: seen.lastActivityAt.addingTimeInterval(1), reason: "expired") == false)
            #expect(try await h.manager.endRuntimeBinding(Self.ops, session: other.key,
                                                          ifLastActivityAt: seen.lastActivityAt, reason: "expired") == false)
            #expect(try await h.manager.endRuntimeBinding(Self.ops, session: new.key,
                                                          ifLastActivityAt: seen.lastActivityAt, reason: "expired (idle)"))
            #expect(try await h.manager.endRuntimeBinding(Self.ops, session: new.key,
                                                          ifLastActivityAt: seen.lastActivityAt, reason: "expired (idle)") == false)
            #expect(try h.store.bindings(activeOnly: false).first?.endReason == "expired (idle)")
        }
    }
    /// A binding's activity stamp is renewed at most once a minute under traffic (one page write
    /// less per submit and per run's end), and always after an idle stretch, so the idle sweep's
    /// compare-and-set still sees traffic that came after it listed the binding.
    @Test func theBindingsActivityStampIsRenewedOncePerGranularityAndAlwaysAfterIdleness() async throws {
        let clock = TestClock()
        try await Self.withHarness(clock) { dir, h in
            let new = h.newSession("stamp")
            try await h.manager.createSession(new, binding: NewBinding(source: .runtime, conversation: Self.ops))
            let created = try #require(try h.store.activeBindings(for: Self.ops).first).lastActivityAt
            func touch(after seconds: Double) throws -> Date {
                try h.store.write { db in try SessionTables.touch(db, key: new.key, at: created.timeIntervalSince1970 + seconds) }
                return try #require(try h.store.activeBindings(for: Self.ops).first).lastActivityAt
            }
            let granularity = SessionTables.bindingActivityGranularity
            #expect(try touch(after: 10) == created)
            #expect(try touch(after: granularity - 1) == created)
            #expect(try touch(after: granularity + 1) == created.addingTimeInterval(granularity + 1))
            // The sweep lists the binding after an idle hour; traffic arrives before it ends it.
            let listed = try #require(try h.store.activeBindings(for: Self.ops).first).lastActivityAt
            #expect(try touch(after: granularity + 1 + 3600) == created.addingTimeInterval(granularity + 1 + 3600))
            #expect(try await h.manager.endRuntimeBinding(Self.ops, session: new.key, ifLastActivityAt: listed, reason: "expired (idle)") == false)
            #expect(try h.store.activeBindings(for: Self.ops).count == 1)
        }
    }
}
