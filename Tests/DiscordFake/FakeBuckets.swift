/// The fake's rate limits: each route (method + path with ids named, split by its major
/// parameter) has a bucket of `limit` requests per `window`; a request on an empty bucket gets a
/// 429 and is recorded (a client that reads `X-RateLimit-*` never sends one).
struct FakeBuckets {
    struct Bucket {
        var remaining: Int
        var resetAt: ContinuousClock.Instant
    }

    var limit: Int
    var window: Duration
    private var buckets: [String: Bucket] = [:]
    private let clock = ContinuousClock()

    init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = window
    }

    /// Takes one request from the bucket of `route` + `major`; returns the headers to send and,
    /// when the bucket was empty, the wait the 429 reports.
    mutating func take(route: String, major: String) -> (headers: [(String, String)], exhaustedFor: Duration?) {
        let now = clock.now
        let key = route + "|" + major
        var bucket = buckets[key] ?? Bucket(remaining: limit, resetAt: now + window)
        if bucket.resetAt <= now { bucket = Bucket(remaining: limit, resetAt: now + window) }
        let exhausted: Duration?
        if bucket.remaining <= 0 {
            exhausted = bucket.resetAt - now
        } else {
            bucket.remaining -= 1
            exhausted = nil
        }
        buckets[key] = bucket
        let resetAfter = bucket.resetAt - now
        let headers = [
            ("X-RateLimit-Limit", String(limit)),
            ("X-RateLimit-Remaining", String(bucket.remaining)),
            ("X-RateLimit-Reset-After", Self.seconds(resetAfter)),
            ("X-RateLimit-Bucket", Self.hash(route)),
        ]
        return (headers, exhausted)
    }

    /// Holds the bucket of `route` + `major` empty for `duration` (an injected 429).
    mutating func hold(route: String, major: String, for duration: Duration) {
        let now = clock.now
        buckets[route + "|" + major] = Bucket(remaining: 0, resetAt: now + duration)
    }

    /// Seconds with three decimals, as Discord writes them.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = max(0, Int64(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000))
        let whole = milliseconds / 1000
        let fraction = milliseconds % 1000
        return "\(whole)." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction)
    }

    /// A stable bucket name for a route (Discord's are opaque hashes).
    static func hash(_ route: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in route.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        return String(value, radix: 16)
    }
}
