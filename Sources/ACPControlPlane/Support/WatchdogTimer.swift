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
///
/// With a `Scheduler` (`acpd run` sets the event loops' timers as the default: `useScheduler`), a
/// timer is one scheduled callback instead, removed at `cancel()`: no task and no sleep. A
/// `Task.sleep` is a dispatch timer on this runtime, fired on dispatch's manager thread, which
/// wakes a worker thread, which hands the task back to an event loop; one per run (its turn
/// watchdog) was ~5 % of acpd's CPU per HTTP message (docs/benchmarks.md).
public final class WatchdogTimer: Sendable {
    /// The longest single sleep of a timer.
    public static let defaultStep: Duration = .seconds(1)

    /// Runs a callback once a duration has passed, on a thread of its choosing; the closure it
    /// returns calls the callback off (after which the callback must not run, unless it started).
    /// nil when it cannot schedule (then the timer sleeps in steps).
    public struct Scheduler: Sendable {
        public typealias Cancel = @Sendable () -> Void
        public let schedule: @Sendable (Duration, @escaping @Sendable () -> Void) -> Cancel?

        public init(_ schedule: @escaping @Sendable (Duration, @escaping @Sendable () -> Void) -> Cancel?) {
            self.schedule = schedule
        }
    }

    /// The scheduler of timers made without one; nil: sleeping in steps. Held in a struct, as it
    /// is (see `TaskAffinity.Finder` for why a bare closure is not kept in a `Mutex`).
    private static let defaultScheduler = Mutex<Scheduler?>(nil)

    /// Makes `scheduler` the one of every timer made from now on without its own (nil: steps).
    public static func useScheduler(_ scheduler: Scheduler?) {
        defaultScheduler.withLock { $0 = scheduler }
    }

    private let cancelled = Atomic<Bool>(false)
    /// Calls the scheduled callback off; nil when sleeping in steps or once called.
    private let unschedule = Mutex<Scheduler.Cancel?>(nil)

    /// Starts the timer: `action` runs `duration` from now (at most `Duration.longestWait`)
    /// unless the timer is cancelled first. `scheduler` nil: the default one (`useScheduler`).
    public init(after duration: Duration, step: Duration = defaultStep, scheduler: Scheduler? = nil,
                _ action: @escaping @Sendable () async -> Void) {
        let duration = min(max(duration, .zero), .longestWait)
        if let scheduler = scheduler ?? Self.defaultScheduler.withLock({ $0 }) {
            let cancel = scheduler.schedule(duration) { [self] in
                guard !isCancelled else { return }
                Task { await action() }
            }
            if let cancel {
                unschedule.withLock { $0 = cancel }
                // Cancelled while it was being scheduled: call the callback off now.
                if isCancelled { takeUnschedule()?() }
                return
            }
        }
        let deadline = ContinuousClock.now.advanced(by: duration)
        let step = max(step, .milliseconds(1))
        Task { [self] in await run(until: deadline, step: step, action) }
    }

    /// Calls the timer off: `action` does not run unless it already started.
    public func cancel() {
        cancelled.store(true, ordering: .releasing)
        takeUnschedule()?()
    }

    private func takeUnschedule() -> Scheduler.Cancel? {
        unschedule.withLock { cancel in
            defer { cancel = nil }
            return cancel
        }
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
