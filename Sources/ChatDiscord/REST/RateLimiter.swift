/// Discord's rate limits as acpd learns them, so a request waits for its bucket instead of
/// being refused (https://discord.com/developers/docs/topics/rate-limits):
///
/// - per-route buckets: `X-RateLimit-Bucket` names the bucket of a route, `-Remaining` and
///   `-Reset-After` say how many requests are left and when it refills; a bucket is split by the
///   route's major parameter (channel, guild, webhook);
/// - the global limit: at most `globalPerSecond` requests (50, Discord's) start in any second,
///   interaction callbacks excepted; a 429 with `global: true` holds every request for its
///   `retry_after`;
/// - a 429 on a bucket holds that bucket for its `retry_after`.
///
/// One request per bucket is in flight at a time (`acquire` … `release`), so every request
/// starts with what the previous answer's headers said: concurrent senders into one channel never
/// overrun its bucket. `acquire` answers how long to wait (and takes a slot from the bucket); the
/// caller sleeps in its own task. A wait longer than `maxWait` is refused with `bucketExhausted`
/// (nothing is sent): the send queue then waits and retries.
actor RateLimiter {
    /// What is known about one bucket (for one major parameter).
    struct Bucket: Sendable, Equatable {
        var limit: Int?
        var remaining: Int?
        var resetAt: ContinuousClock.Instant?
    }

    private let clock = ContinuousClock()
    private let maxWait: Duration
    private let globalPerSecond: Int
    /// When the requests of the last second (and the reserved ones) start, ascending.
    private var starts: [ContinuousClock.Instant] = []
    /// Route key → the bucket Discord named for it.
    private var routeBuckets: [String: String] = [:]
    private var buckets: [String: Bucket] = [:]
    private var globalUntil: ContinuousClock.Instant?
    /// Buckets with a request in flight, and who waits for each.
    private var busy: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// A limiter that lets requests wait up to `maxWait`, with `globalPerSecond` requests a second.
    init(maxWait: Duration, globalPerSecond: Int = 50) {
        self.maxWait = maxWait
        self.globalPerSecond = max(1, globalPerSecond)
    }

    /// Waits until no other request of `route`'s bucket is in flight, then answers how long the
    /// request must wait before it goes out, and the key to `release` after its answer was read
    /// (into `update`). Throws `bucketExhausted` (releasing at once) when the wait exceeds `maxWait`.
    func acquire(_ route: DiscordRoute) async throws(DiscordAPIError) -> (wait: Duration, key: String) {
        let key = bucketKey(route)
        if busy.contains(key) {
            // `release` hands the bucket over: it stays busy.
            await withCheckedContinuation { waiters[key, default: []].append($0) }
        } else {
            busy.insert(key)
        }
        do {
            return (try reserve(route), key)
        } catch {
            release(key)
            throw error
        }
    }

    /// Lets the next request of bucket `key` go.
    func release(_ key: String) {
        if var queue = waiters[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[key] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            busy.remove(key)
        }
    }

    /// How long a request on `route` must wait before it may go out; takes one slot of its
    /// bucket. Throws `bucketExhausted` when that is longer than `maxWait`.
    func reserve(_ route: DiscordRoute) throws(DiscordAPIError) -> Duration {
        let now = clock.now
        let key = bucketKey(route)
        var wait = Duration.zero
        if let globalUntil, globalUntil > now { wait = globalUntil - now }
        var bucket = buckets[key] ?? Bucket()
        if let resetAt = bucket.resetAt, resetAt <= now + wait {
            // The window has refilled by the time this request goes.
            bucket.remaining = bucket.limit
            bucket.resetAt = nil
        }
        if let remaining = bucket.remaining, remaining <= 0, let resetAt = bucket.resetAt {
            wait = max(wait, resetAt - now)
            bucket.remaining = bucket.limit
            bucket.resetAt = nil
        }
        let counted = !route.template.hasPrefix("/interactions/")
        if counted {
            starts.removeAll { $0 <= now - .seconds(1) }
            if starts.count >= globalPerSecond {
                wait = max(wait, starts[starts.count - globalPerSecond] + .seconds(1) - now)
            }
        }
        guard wait <= maxWait else { throw .bucketExhausted(retryAfter: wait) }
        if let remaining = bucket.remaining { bucket.remaining = remaining - 1 }
        buckets[key] = bucket
        if counted {
            let start = now + wait
            starts.insert(start, at: starts.firstIndex { $0 > start } ?? starts.endIndex)
        }
        return wait
    }

    /// Learns from an answer's headers (`x-ratelimit-*`, lower-cased names) and, for a 429, its
    /// `retryAfter` and `global` flag.
    func update(_ route: DiscordRoute, headers: [String: String], status: Int, retryAfter: Duration?, global: Bool) {
        let now = clock.now
        if let name = headers["x-ratelimit-bucket"], !name.isEmpty {
            let old = bucketKey(route)
            routeBuckets[route.routeKey] = name
            let new = bucketKey(route)
            if old != new, let known = buckets.removeValue(forKey: old), buckets[new] == nil { buckets[new] = known }
        }
        let key = bucketKey(route)
        var bucket = buckets[key] ?? Bucket()
        if let limit = headers["x-ratelimit-limit"].flatMap({ Int($0) }) { bucket.limit = limit }
        if let remaining = headers["x-ratelimit-remaining"].flatMap({ Int($0) }) { bucket.remaining = remaining }
        if let resetAfter = headers["x-ratelimit-reset-after"].flatMap({ Double($0) }) {
            bucket.resetAt = now + .milliseconds(Int64((resetAfter * 1000).rounded(.up)))
        }
        if status == 429, let retryAfter {
            if global || headers["x-ratelimit-global"] == "true" {
                let until = now + retryAfter
                globalUntil = max(globalUntil ?? until, until)
            } else {
                bucket.remaining = 0
                let until = now + retryAfter
                bucket.resetAt = max(bucket.resetAt ?? until, until)
            }
        }
        buckets[key] = bucket
    }

    /// What is known of `route`'s bucket (tests).
    func bucket(for route: DiscordRoute) -> Bucket? { buckets[bucketKey(route)] }

    private func bucketKey(_ route: DiscordRoute) -> String {
        (routeBuckets[route.routeKey] ?? route.routeKey) + "|" + route.major
    }
}
