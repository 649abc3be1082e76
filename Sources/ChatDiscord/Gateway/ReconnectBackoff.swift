/// How long the gateway waits before reconnecting after a connection ended unplanned:
/// exponential from `base`, capped at `cap`, with full jitter in its upper half (so many bots
/// recovering from one outage do not reconnect in step). A pure function, tested as such.
public struct ReconnectBackoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    /// A backoff from `base` up to `cap`.
    public init(base: Duration = .seconds(1), cap: Duration = .seconds(60)) {
        self.base = base
        self.cap = cap
    }

    /// The wait after `attempt` consecutive failures (1 = the first), `fraction` in 0...1.
    public func delay(attempt: Int, fraction: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = base * (1 << exponent)
        let capped = raw > cap ? cap : raw
        let jitter = min(max(fraction, 0), 1)
        return capped * (0.5 + 0.5 * jitter)
    }
}
