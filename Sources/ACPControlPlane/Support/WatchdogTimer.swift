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

    /// Suspends for `duration` like `Task.sleep(for:)`, through the default scheduler when there is
    /// one (`useScheduler`: in `acpd run`, the event loops' timers; a `Task.sleep` is a dispatch
    /// timer on this runtime, which wakes two dispatch threads and then a loop each time: the
    /// periodic loops of delivery cost an idle daemon ~100 wake-ups a second that way). Throws
    /// `CancellationError` when the task is cancelled, at once, and then calls the timer off.
    /// `scheduler` nil: the default one.
    public static func sleep(for duration: Duration, scheduler: Scheduler? = nil) async throws {
        guard let scheduler = scheduler ?? defaultScheduler.withLock({ $0 }) else {
            try await Task.sleep(for: duration)
            return
        }
        let sleeper = Sleeper()
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    guard sleeper.start(continuation) else { return }
                    guard let cancel = scheduler.schedule(min(max(duration, .zero), .longestWait), { sleeper.wake(throwing: nil) }) else {
                        sleeper.wake(throwing: Unschedulable())
                        return
                    }
                    sleeper.scheduled(cancel)
                }
            } onCancel: {
                sleeper.wake(throwing: CancellationError())
            }
        } catch is Unschedulable {
            // The scheduler cannot take it (its loop is shutting down): the runtime's timer instead.
            try await Task.sleep(for: duration)
        }
    }

    private struct Unschedulable: Error {}

    /// Suspends until `deadline` (see `sleep(for:)`).
    public static func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await sleep(for: ContinuousClock.now.duration(to: deadline))
    }

    /// One `sleep(for:)`: resumed once, by the timer or by cancellation (which also calls the
    /// timer off), whichever comes first; a cancellation before the start resumes at the start.
    private final class Sleeper: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Void, any Error>?
            var cancel: Scheduler.Cancel?
            var woken = false
            var error: (any Error)?
        }
        private let state = Mutex(State())

        /// False when it was woken (cancelled) before it started: the continuation is resumed here.
        func start(_ continuation: CheckedContinuation<Void, any Error>) -> Bool {
            let early: (any Error)?? = state.withLock { state in
                if state.woken { return .some(state.error) }
                state.continuation = continuation
                return .none
            }
            guard let early else { return true }
            if let error = early { continuation.resume(throwing: error) } else { continuation.resume() }
            return false
        }

        func scheduled(_ cancel: @escaping Scheduler.Cancel) {
            let late = state.withLock { state -> Bool in
                if state.woken { return true }
                state.cancel = cancel
                return false
            }
            if late { cancel() }
        }

        func wake(throwing error: (any Error)?) {
            let (continuation, cancel) = state.withLock { state -> (CheckedContinuation<Void, any Error>?, Scheduler.Cancel?) in
                guard !state.woken else { return (nil, nil) }
                state.woken = true
                state.error = error
                defer {
                    state.continuation = nil
                    state.cancel = nil
                }
                return (state.continuation, error == nil ? nil : state.cancel)
            }
            cancel?()
            guard let continuation else { return }
            if let error { continuation.resume(throwing: error) } else { continuation.resume() }
        }
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
                // Nobody can call `cancel()` before this initializer returns.
                unschedule.withLock { $0 = cancel }
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
