/// How long the poller waits after a failed `getUpdates`: exponential from `base`, capped at
/// `cap`, with full jitter in its upper half (so many accounts recovering together do not poll in
/// step). A pure function of the attempt and a random fraction, tested as such.
struct PollBackoff: Sendable, Equatable {
    var base: Duration = .seconds(1)
    var cap: Duration = .seconds(60)

    /// The wait after `attempt` consecutive failures (1 = the first), `fraction` in 0...1.
    func delay(attempt: Int, fraction: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = base * (1 << exponent)
        let capped = raw > cap ? cap : raw
        let jitter = min(max(fraction, 0), 1)
        return capped * (0.5 + 0.5 * jitter)
    }
}
