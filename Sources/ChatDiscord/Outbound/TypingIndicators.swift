import ACPControlPlane
import Synchronization

/// Which runs show Discord's typing indicator, and where: a run is added when the router
/// accepted a prompt (its outcome names the run) and removed when the run's final message was
/// sent or edited, or after `maxAge` (a run that never ends visibly must not type forever).
/// The channel shows a new run's indicator at once and refreshes it every `interval`
/// (Discord shows it for 10 s, or until the bot posts).
final class TypingIndicators: Sendable {
    private struct Entry {
        var channel: String
        var until: ContinuousClock.Instant
    }

    private struct State {
        var runs: [RunID: Entry] = [:]
        var lastShown: [String: ContinuousClock.Instant] = [:]
    }

    private let state = Mutex(State())
    private let maxAge: Duration
    private let interval: Duration
    /// Wakes the refresher when a run starts (one pending wake is enough).
    let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// Indicators shown again every `interval`, stopping after `maxAge` at the latest.
    init(maxAge: Duration, interval: Duration) {
        self.maxAge = maxAge
        self.interval = interval
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Wakes the refresher (its timer, or a new run).
    func poke() { wake.yield() }

    /// Run `run` is active in Discord channel `channel`.
    func start(_ run: RunID, in channel: String) {
        let until = ContinuousClock.now + maxAge
        state.withLock { $0.runs[run] = Entry(channel: channel, until: until) }
        wake.yield()
    }

    /// Run `run` has shown its final message.
    func stop(_ run: RunID) {
        state.withLock { _ = $0.runs.removeValue(forKey: run) }
    }

    /// The channels whose indicator is due now (a new run, or `interval` since it was last
    /// shown), each once, marked as shown; expired runs are dropped.
    func due() -> [String] {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.runs = state.runs.filter { $0.value.until > now }
            let channels = Set(state.runs.values.map(\.channel))
            state.lastShown = state.lastShown.filter { channels.contains($0.key) }
            let due = channels.filter { state.lastShown[$0].map { now - $0 >= interval } ?? true }.sorted()
            for channel in due { state.lastShown[channel] = now }
            return due
        }
    }
}
