#if canImport(FoundationEssentials)
import Bindings
import FoundationEssentials
#else
import Foundation
#endif

/// A token bucket per sender (`access.rateLimit: { perMinute, burst }`).
///
/// Each sender starts with `burst` tokens; a message takes one; tokens come back at `perMinute`
/// per minute, never above `burst`. A refused message takes nothing. Time comes in as `now` (a
/// clock going backwards adds nothing). A value type: the router's actor holds it.
public struct RateLimiter: Sendable {
    private struct Bucket: Sendable {
        var tokens: Double
        var updatedAt: Date
    }

    private let capacity: Double
    private let perSecond: Double
    private var buckets: [SenderRef: Bucket] = [:]

    /// A limiter for `access.rateLimit`.
    public init(_ config: AccessConfig.RateLimit) {
        self.init(perMinute: config.perMinute, burst: config.burst)
    }

    /// A limiter refilling `perMinute` tokens a minute up to `burst`, each clamped to its config
    /// range (`ConfigLimits`: 1 to a million).
    public init(perMinute: Int, burst: Int) {
        capacity = Double(ConfigLimits.clamp(burst, to: ConfigLimits.rateLimitBurst))
        perSecond = Double(ConfigLimits.clamp(perMinute, to: ConfigLimits.rateLimitPerMinute)) / 60
    }

    /// Takes one token for `key` and returns true, or returns false when its bucket is empty
    /// (reply `ChatReply.rateLimited`).
    public mutating func consume(_ key: SenderRef, now: Date) -> Bool {
        var bucket = refilled(buckets[key], now: now)
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[key] = bucket
        return allowed
    }

    /// The tokens `key` has now (for status and tests).
    public func available(_ key: SenderRef, now: Date) -> Double {
        refilled(buckets[key], now: now).tokens
    }

    /// Forgets senders whose buckets are full again (they behave exactly like new ones).
    public mutating func purgeIdle(now: Date) {
        buckets = buckets.filter { refilled($0.value, now: now).tokens < capacity }
    }

    /// The number of senders tracked.
    public var trackedSenders: Int { buckets.count }

    private func refilled(_ bucket: Bucket?, now: Date) -> Bucket {
        guard let bucket else { return Bucket(tokens: capacity, updatedAt: now) }
        let elapsed = max(0, now.timeIntervalSince(bucket.updatedAt))
        return Bucket(tokens: min(capacity, bucket.tokens + elapsed * perSecond), updatedAt: max(now, bucket.updatedAt))
    }
}
