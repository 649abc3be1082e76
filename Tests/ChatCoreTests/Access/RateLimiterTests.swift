@testable import ChatCore
@testable import Bindings
import Foundation
import Testing

@Suite struct RateLimiterTests {
    static let alice = SenderRef(channel: .telegram, id: "1")
    static let bob = SenderRef(channel: .telegram, id: "2")
    static let t0 = Date(timeIntervalSince1970: 1_000_000)

    /// Runs `steps` (sender, seconds after t0) through `limiter`; returns the answers in order.
    static func run(_ limiter: inout RateLimiter, _ steps: [(SenderRef, Double)]) -> [Bool] {
        steps.map { limiter.consume($0.0, now: t0.addingTimeInterval($0.1)) }
    }

    @Test func burstThenRefillAtPerMinute() {
        var limiter = RateLimiter(perMinute: 10, burst: 3)  // one token every 6 s
        let answers = Self.run(&limiter, [
            (Self.alice, 0), (Self.alice, 0), (Self.alice, 0), (Self.alice, 0),
            (Self.bob, 0),  // buckets are per sender
            (Self.alice, 5.9), (Self.alice, 6), (Self.alice, 6),
        ])
        #expect(answers == [true, true, true, false, true, false, true, false])
    }

    @Test func refillNeverExceedsBurst() {
        var limiter = RateLimiter(AccessConfig.RateLimit(perMinute: 60, burst: 2))
        #expect(Self.run(&limiter, [(Self.alice, 0)]) == [true])
        #expect(abs(limiter.available(Self.alice, now: Self.t0.addingTimeInterval(3600)) - 2) < 1e-9)
        #expect(Self.run(&limiter, [(Self.alice, 3600), (Self.alice, 3600), (Self.alice, 3600)]) == [true, true, false])
    }

    @Test func refusedMessagesCostNothingAndClockSkewAddsNothing() {
        var limiter = RateLimiter(perMinute: 60, burst: 1)
        let answers = Self.run(&limiter, [
            (Self.alice, 0), (Self.alice, 0.5), (Self.alice, 0.5), (Self.alice, 0.5),
            (Self.alice, 1),     // refused attempts did not push the refill back
            (Self.alice, -100),  // going back in time adds no tokens
            (Self.alice, 2),
        ])
        #expect(answers == [true, false, false, false, true, false, true])
    }

    @Test func purgeForgetsFullBuckets() {
        var limiter = RateLimiter(perMinute: 60, burst: 2)
        _ = Self.run(&limiter, [(Self.alice, 0), (Self.bob, 9)])
        #expect(limiter.trackedSenders == 2)
        limiter.purgeIdle(now: Self.t0.addingTimeInterval(9.5))
        #expect(limiter.trackedSenders == 1)
        #expect(abs(limiter.available(Self.bob, now: Self.t0.addingTimeInterval(9.5)) - 1.5) < 1e-9)
    }
}
