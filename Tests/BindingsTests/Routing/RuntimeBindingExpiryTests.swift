import ACPControlPlane
@testable import Bindings
import Foundation
import Testing
import TestSupport

@Suite struct RuntimeBindingExpiryTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    static func hours(_ h: Double) -> Date { t0.addingTimeInterval(h * 3600) }

    static func binding(_ id: String, persist: Bool = false, created: Double = 0, active: Double = 0) -> RuntimeBinding {
        RuntimeBinding(conversation: ConversationRef(channel: .http, conversationId: id),
                       sessionKey: SessionKey("agent:demo:acp:\(id)")!, persist: persist,
                       createdAt: hours(created), lastActivityAt: hours(active))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var binding: RuntimeBinding
        var policy: RuntimeBindingPolicy
        var now: Double
        var expected: RuntimeBindingExpiry.Reason?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "idle limit reached", binding: binding("a"), policy: .init(idleHours: 24), now: 24, expected: .idle),
        Case(name: "just before the idle limit", binding: binding("a"), policy: .init(idleHours: 24), now: 23.99, expected: nil),
        Case(name: "traffic keeps it alive", binding: binding("a", active: 10), policy: .init(idleHours: 24), now: 30, expected: nil),
        Case(name: "--persist never expires", binding: binding("a", persist: true), policy: .init(idleHours: 1, maxAgeHours: 1),
             now: 1000, expected: nil),
        Case(name: "max age despite traffic", binding: binding("a", active: 47), policy: .init(idleHours: 24, maxAgeHours: 48),
             now: 48, expected: .maxAge),
        Case(name: "idle 0 turns idleness off", binding: binding("a"), policy: .init(idleHours: 0, maxAgeHours: 0), now: 10_000,
             expected: nil),
        Case(name: "earlier limit wins", binding: binding("a", active: 0), policy: .init(idleHours: 5, maxAgeHours: 48), now: 6,
             expected: .idle),
    ]

    @Test(arguments: cases)
    func whichBindingsExpire(_ testCase: Case) {
        let expired = RuntimeBindingExpiry.expired([testCase.binding], at: Self.hours(testCase.now), policy: testCase.policy)
        #expect(expired.first?.reason == testCase.expected)
        #expect(expired.count == (testCase.expected == nil ? 0 : 1))
    }

    // MARK: - The sweeper loop with an injected clock

    actor MemoryStore: RuntimeBindingStore {
        var active: [RuntimeBinding]
        var ended: [String] = []
        init(_ active: [RuntimeBinding]) { self.active = active }
        func activeRuntimeBindings() async throws -> [RuntimeBinding] { active }
        func endExpiredRuntimeBinding(_ binding: RuntimeBinding, reason: RuntimeBindingExpiry.Reason) async throws -> Bool {
            guard let position = active.firstIndex(where: { $0 == binding }) else { return false }
            active.remove(at: position)
            ended.append(binding.conversation.conversationId)
            return true
        }
        func touch(_ id: String, at date: Date) {
            if let position = active.firstIndex(where: { $0.conversation.conversationId == id }) { active[position].lastActivityAt = date }
        }
    }

    actor Notices: ConversationNotifier {
        var sent: [(String, String)] = []
        var waiters: [CheckedContinuation<Void, Never>] = []
        func notify(_ conversation: ConversationRef, text: String) async {
            sent.append((conversation.conversationId, text))
        }
        func ids() -> [String] { sent.map(\.0) }
    }

    /// A clock the test moves: `sleep` returns once the test advances time past its deadline.
    final class ManualClock: SweepClock, @unchecked Sendable {
        private let lock = NSLock()
        private var current: Date
        private var sleepers: [(Date, CheckedContinuation<Void, any Error>)] = []
        private var sleepCount = 0
        private var sleepWaiters: [(Int, CheckedContinuation<Void, Never>)] = []

        init(_ start: Date) { current = start }
        func now() -> Date { lock.withLock { current } }

        func sleep(seconds: Double) async throws {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready: [CheckedContinuation<Void, Never>] = lock.withLock {
                    sleepers.append((current.addingTimeInterval(seconds), continuation))
                    sleepCount += 1
                    let ready = sleepWaiters.filter { $0.0 <= sleepCount }.map(\.1)
                    sleepWaiters.removeAll { $0.0 <= sleepCount }
                    return ready
                }
                ready.forEach { $0.resume() }
            }
        }

        /// Waits until the loop has gone to sleep `count` times in total (i.e. finished that many sweeps).
        func waitForSleep(_ count: Int) async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now: Bool = lock.withLock {
                    if sleepCount >= count { return true }
                    sleepWaiters.append((count, continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        }

        func advance(to date: Date) {
            let due: [CheckedContinuation<Void, any Error>] = lock.withLock {
                current = date
                let due = sleepers.filter { $0.0 <= date }.map(\.1)
                sleepers.removeAll { $0.0 <= date }
                return due
            }
            due.forEach { $0.resume() }
        }

        func cancelAll() {
            let all = lock.withLock { defer { sleepers.removeAll() }; return sleepers.map(\.1) }
            all.forEach { $0.resume(throwing: CancellationError()) }
        }
    }

    @Test func sweeperEndsExpiredBindingsAndTellsEachConversationOnce() async throws {
        let store = MemoryStore([Self.binding("idle"), Self.binding("busy"), Self.binding("kept", persist: true)])
        let notices = Notices()
        let clock = ManualClock(Self.t0)
        let sweeper = RuntimeBindingSweeper(store: store, notifier: notices, policy: { RuntimeBindingPolicy(idleHours: 24) },
                                            clock: clock, intervalSeconds: 3600)
        let loop = Task { await sweeper.run() }
        try await withDeadline(10, "first sweep") { await clock.waitForSleep(1) }
        #expect(await store.ended.isEmpty)

        await store.touch("busy", at: Self.hours(20))
        clock.advance(to: Self.hours(25))
        try await withDeadline(10, "second sweep") { await clock.waitForSleep(2) }
        #expect(await store.ended == ["idle"])
        #expect(await notices.ids() == ["idle"])
        let text = await notices.sent.first?.1 ?? ""
        #expect(text.contains("no messages for 24 hours") && text.contains("/acp bind agent:demo:acp:idle"))

        clock.advance(to: Self.hours(26))
        try await withDeadline(10, "third sweep") { await clock.waitForSleep(3) }
        #expect(await notices.ids() == ["idle"], "told once: an ended binding is not ended or announced again")

        clock.advance(to: Self.hours(45))
        try await withDeadline(10, "fourth sweep") { await clock.waitForSleep(4) }
        #expect(await store.ended == ["idle", "busy"])
        #expect(await notices.ids() == ["idle", "busy"])
        #expect(await store.active.map(\.conversation.conversationId) == ["kept"])

        loop.cancel()
        clock.cancelAll()
        await loop.value
    }

    @Test func aBindingUsedMeanwhileIsNotEndedNorAnnounced() async {
        struct RacingStore: RuntimeBindingStore {
            func activeRuntimeBindings() async throws -> [RuntimeBinding] { [RuntimeBindingExpiryTests.binding("x")] }
            func endExpiredRuntimeBinding(_ binding: RuntimeBinding, reason: RuntimeBindingExpiry.Reason) async throws -> Bool { false }
        }
        let notices = Notices()
        let sweeper = RuntimeBindingSweeper(store: RacingStore(), notifier: notices, policy: { .init(idleHours: 1) },
                                            clock: ManualClock(Self.hours(5)))
        #expect(await sweeper.sweep().isEmpty)
        #expect(await notices.ids().isEmpty)
    }
}
