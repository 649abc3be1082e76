import ACPControlPlane
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import RuntimeBackends

/// `WatchdogTimer`s as the event loops' scheduled callbacks (`EventLoopTimers`, the default in
/// `acpd run`): a timer fires on a loop of its group no earlier than its duration, a cancelled one
/// never fires and leaves the loop's timer heap at once.
@Suite("event loop timers")
struct EventLoopTimersTests {
    private final class Probe: Sendable {
        let fired = Atomic<Int>(0)
        let onLoop = Atomic<Bool>(false)
        let cancels = Atomic<Int>(0)
    }

    /// The event-loop scheduler, recording where each callback runs and counting cancels.
    private static func recording(_ probe: Probe, on group: any EventLoopGroup) -> WatchdogTimer.Scheduler {
        let inner = EventLoopTimers.scheduler(on: group)
        return WatchdogTimer.Scheduler { (duration: Duration, fire: @escaping @Sendable () -> Void) -> WatchdogTimer.Scheduler.Cancel? in
            let recordingFire: @Sendable () -> Void = {
                probe.onLoop.store(MultiThreadedEventLoopGroup.currentEventLoop != nil, ordering: .relaxed)
                fire()
            }
            guard let cancel = inner.schedule(duration, recordingFire) else { return nil }
            return {
                probe.cancels.add(1, ordering: .relaxed)
                cancel()
            }
        }
    }

    @Test("fires once, on a loop, after its duration; a cancelled timer never fires")
    func firesAndCancels() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let probe = Probe()
        let scheduler = Self.recording(probe, on: group)
        let clock = ContinuousClock()
        let start = clock.now
        let firedAt = Mutex<ContinuousClock.Instant?>(nil)
        _ = WatchdogTimer(after: .milliseconds(120), scheduler: scheduler) {
            firedAt.withLock { $0 = clock.now }
            probe.fired.add(1, ordering: .relaxed)
        }
        let cancelled = WatchdogTimer(after: .milliseconds(150), scheduler: scheduler) { probe.fired.add(100, ordering: .relaxed) }
        cancelled.cancel()
        let cancels = probe.cancels.load(ordering: .relaxed)
        #expect(cancels == 1)
        while probe.fired.load(ordering: .relaxed) == 0, start.duration(to: clock.now) < .seconds(10) {
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(200))
        let fired = probe.fired.load(ordering: .relaxed)
        let onLoop = probe.onLoop.load(ordering: .relaxed)
        #expect(fired == 1, "the cancelled timer did not fire")
        #expect(onLoop, "the callback ran on the loop")
        let firedAfter = start.duration(to: try #require(firedAt.withLock { $0 }))
        #expect(firedAfter >= .milliseconds(120), "not before its duration")
        try await group.shutdownGracefully()
    }

    @Test("a cancelled timer leaves the loop's timer heap at once: nothing holds it after the cancel")
    func cancelledTimersLeave() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let scheduler = EventLoopTimers.scheduler(on: group)
        weak var pending: WatchdogTimer?
        weak var cancelled: WatchdogTimer?
        do {
            let first = WatchdogTimer(after: .seconds(3600), scheduler: scheduler) {}
            let second = WatchdogTimer(after: .seconds(3600), scheduler: scheduler) {}
            pending = first
            cancelled = second
            second.cancel()
        }
        // The pending one is held by its callback in the loop's heap until its hour has passed;
        // the cancelled one by nothing (sleeping in steps, its task would hold it up to a step).
        #expect(pending != nil)
        #expect(cancelled == nil)
        pending?.cancel()
        #expect(pending == nil)
        try await group.shutdownGracefully()
    }

    @Test("sleep through the loops' timers: not before its duration; cancelled, it throws at once and calls the timer off")
    func sleeps() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let probe = Probe()
        let scheduler = Self.recording(probe, on: group)
        let clock = ContinuousClock()
        let start = clock.now
        try await WatchdogTimer.sleep(for: .milliseconds(80), scheduler: scheduler)
        #expect(start.duration(to: clock.now) >= .milliseconds(80))
        let woken = probe.onLoop.load(ordering: .relaxed)
        #expect(woken, "the wake-up came from the loop's timer")

        let long = Task { try await WatchdogTimer.sleep(for: .seconds(3600), scheduler: scheduler) }
        try await Task.sleep(for: .milliseconds(50))
        let cancelledAt = clock.now
        long.cancel()
        await #expect(throws: CancellationError.self) { try await long.value }
        #expect(cancelledAt.duration(to: clock.now) < .seconds(5))
        let cancels = probe.cancels.load(ordering: .relaxed)
        #expect(cancels == 1, "the hour-long timer was called off")

        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await WatchdogTimer.sleep(for: .seconds(3600), scheduler: scheduler)
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        try await group.shutdownGracefully()
    }

    @Test("durations become nanoseconds, saturating")
    func timeAmounts() {
        #expect(EventLoopTimers.timeAmount(.milliseconds(1500)) == .nanoseconds(1_500_000_000))
        #expect(EventLoopTimers.timeAmount(.zero) == .nanoseconds(0))
        #expect(EventLoopTimers.timeAmount(.seconds(-2)) == .nanoseconds(0))
        #expect(EventLoopTimers.timeAmount(.longestWait) == .seconds(Int64(100 * 365 * 86_400)))
        #expect(EventLoopTimers.timeAmount(.seconds(Int64.max)) == .nanoseconds(.max))
    }
}
