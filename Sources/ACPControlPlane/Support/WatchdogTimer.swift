import Synchronization

/// A one-shot timer for deadlines that are nearly always called off before they pass (a run's
/// turn watchdog, a request's timeout, a permission's deadline): `action` runs once `duration`
/// has passed, unless `cancel()` came first.
///
/// It is not a task sleeping `duration` that is cancelled: the Swift runtime keeps the timer of a
/// cancelled `Task.sleep` (a sleep task and a dispatch timer source) until the original deadline
/// (swiftlang/swift#60441); measured in a test, part of it was still allocated after the deadline
/// had passed. A 30-minute turn watchdog cancelled after every run made acpd's heap grow for as
/// long as it ran (`acpd-bench soak`; measurements in docs/reliability.md, "Resource soak"). This timer sleeps in steps of at most `step` and is
/// never cancelled while it sleeps: `cancel()` sets a flag that the timer reads after each step,
/// so every sleep runs to its end and frees what it took. A cancelled timer lingers at most one
/// step; a running one wakes once a step.
public final class WatchdogTimer: Sendable {
    /// The longest single sleep of a timer.
    public static let defaultStep: Duration = .seconds(1)

    private let cancelled = Atomic<Bool>(false)

    /// Starts the timer: `action` runs `duration` from now (at most `Duration.longestWait`)
    /// unless the timer is cancelled first.
    public init(after duration: Duration, step: Duration = defaultStep, _ action: @escaping @Sendable () async -> Void) {
        let deadline = ContinuousClock.now.advanced(by: min(max(duration, .zero), .longestWait))
        let step = max(step, .milliseconds(1))
        Task { [self] in await run(until: deadline, step: step, action) }
    }

    /// Calls the timer off: `action` does not run unless it already started.
    public func cancel() {
        cancelled.store(true, ordering: .releasing)
    }

    /// Whether `cancel()` was called.
    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    private func run(until deadline: ContinuousClock.Instant, step: Duration, _ action: @Sendable () async -> Void) async {
        while !isCancelled {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                await action()
                return
            }
            // Nobody holds this task, so nobody cancels the sleep: it always runs to its end.
            try? await Task.sleep(for: min(remaining, step))
        }
    }
}
