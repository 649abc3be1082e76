import ACPControlPlane
import Testing
@testable import ChatCore

/// The in-memory half of inbound idempotency: one holder per key, the others wait for its outcome.
@Suite("inbound claims")
struct InboundClaimsTests {
    static let key = IdempotencyKey(scope: "http:default", key: "m-1")

    @Test("the first claim wins; a second waits and gets the first one's outcome")
    func waiterGetsOutcome() async throws {
        let claims = InboundClaims()
        #expect(await claims.claim(Self.key, waitingUpTo: .seconds(5)) == .claimed)
        let second = Task { await claims.claim(Self.key, waitingUpTo: .seconds(5)) }
        // Let the second one register before the first finishes (it must not be lost either way).
        try await Task.sleep(for: .milliseconds(50))
        let outcome = InboundOutcome(accepted: true, runId: RunID())
        claims.finish(Self.key, with: outcome)
        #expect(await second.value == .answered(outcome))
        #expect(claims.count == 0)
    }

    @Test("a key given up without an outcome goes to the next message, which then owns it")
    func releasedKeyIsClaimedByWaiter() async throws {
        let claims = InboundClaims()
        #expect(await claims.claim(Self.key, waitingUpTo: .seconds(5)) == .claimed)
        let second = Task { await claims.claim(Self.key, waitingUpTo: .seconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        claims.finish(Self.key, with: nil)
        #expect(await second.value == .claimed)
        #expect(claims.count == 1)
        claims.finish(Self.key, with: nil)
        #expect(claims.count == 0)
    }

    @Test("a holder that does not finish in time: the waiter is told so, and other keys never wait")
    func timeout() async throws {
        let claims = InboundClaims()
        #expect(await claims.claim(Self.key, waitingUpTo: .seconds(5)) == .claimed)
        let start = ContinuousClock.now
        #expect(await claims.claim(Self.key, waitingUpTo: .milliseconds(100)) == .timedOut)
        #expect(ContinuousClock.now - start >= .milliseconds(100))
        let other = IdempotencyKey(scope: "http:default", key: "m-2")
        #expect(await claims.claim(other, waitingUpTo: .zero) == .claimed)
        #expect(await claims.claim(IdempotencyKey(scope: "http:other", key: "m-1"), waitingUpTo: .zero) == .claimed)
    }

    @Test("many messages with one key at once: exactly one holds it at a time, all get an outcome")
    func manyAtOnce() async throws {
        let claims = InboundClaims()
        let outcome = InboundOutcome(accepted: true, runId: RunID())
        let results = await withTaskGroup(of: InboundClaims.Claim.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    let claim = await claims.claim(Self.key, waitingUpTo: .seconds(10))
                    if claim == .claimed {
                        try? await Task.sleep(for: .milliseconds(20))
                        claims.finish(Self.key, with: outcome)
                    }
                    return claim
                }
            }
            return await group.reduce(into: [InboundClaims.Claim]()) { $0.append($1) }
        }
        // Whoever claimed finished with the outcome, so everyone after it got the outcome; a
        // message that came after the last finish claims again (and finishes) itself.
        #expect(results.count == 50)
        #expect(results.allSatisfy { $0 == .claimed || $0 == .answered(outcome) })
        #expect(results.contains(.answered(outcome)))
        #expect(claims.count == 0)
    }
}
