import ACPControlPlane
import Foundation
import Synchronization
import Testing

/// `WatchdogTimer`, the timer of acpd's turn watchdogs, request timeouts and permission
/// deadlines: it fires after its duration, not once cancelled, and a cancelled timer gives its
/// memory back within a step, where a cancelled `Task.sleep` keeps it (the RSS climb that
/// `acpd-bench soak` measured; docs/reliability.md, "Resource soak").
@Suite("WatchdogTimer")
struct WatchdogTimerTests {
    @Test("runs its action once the duration has passed, waking in steps")
    func fires() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let fired = Counter()
        _ = WatchdogTimer(after: .milliseconds(350), step: .milliseconds(100)) { fired.value.add(1, ordering: .relaxed) }
        while fired.value.load(ordering: .relaxed) == 0, start.duration(to: clock.now) < .seconds(10) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(fired.value.load(ordering: .relaxed) == 1)
        #expect(start.duration(to: clock.now) >= .milliseconds(350))
    }

    @Test("does not run its action once cancelled")
    func cancelled() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let fired = Counter()
        let timer = WatchdogTimer(after: .seconds(2), step: .milliseconds(100)) { fired.value.add(1, ordering: .relaxed) }
        try await Task.sleep(for: .milliseconds(150))
        timer.cancel()
        let cancelledAfter = start.duration(to: clock.now)
        #expect(timer.isCancelled)
        try await Task.sleep(until: start.advanced(by: .milliseconds(2600)), clock: clock)
        // (On a machine so busy that the cancel came after the deadline, the action may have run.)
        if cancelledAfter < .milliseconds(1900) {
            #expect(fired.value.load(ordering: .relaxed) == 0, "cancelled after \(cancelledAfter)")
        }
    }

    @Test("with a scheduler: one callback of the clamped duration, called off once at cancel; a callback after the cancel runs nothing")
    func scheduled() async throws {
        let scheduler = ManualScheduler()
        let fired = Counter()
        let cancelledTimer = WatchdogTimer(after: .seconds(5), scheduler: scheduler.scheduler) { fired.value.add(1, ordering: .relaxed) }
        #expect(scheduler.durations == [.seconds(5)])
        cancelledTimer.cancel()
        cancelledTimer.cancel()
        #expect(scheduler.cancels == 1, "the callback is called off once, at the first cancel")
        scheduler.fireAll()  // a callback that raced the cancel
        _ = WatchdogTimer(after: .seconds(-3), scheduler: scheduler.scheduler) { fired.value.add(10, ordering: .relaxed) }
        _ = WatchdogTimer(after: .seconds(Int64.max), scheduler: scheduler.scheduler) { fired.value.add(100, ordering: .relaxed) }
        #expect(scheduler.durations.suffix(2) == [.zero, .longestWait])
        scheduler.fireAll()
        let clock = ContinuousClock()
        let start = clock.now
        while fired.value.load(ordering: .relaxed) < 110, start.duration(to: clock.now) < .seconds(10) {
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(fired.value.load(ordering: .relaxed) == 110, "the cancelled timer's action never ran; the others ran once")
    }

    @Test("a scheduler that cannot schedule leaves the timer sleeping in steps: it still fires")
    func unschedulable() async throws {
        let fired = Counter()
        let refusing = WatchdogTimer.Scheduler { _, _ in nil }
        _ = WatchdogTimer(after: .milliseconds(50), step: .milliseconds(20), scheduler: refusing) { fired.value.add(1, ordering: .relaxed) }
        let clock = ContinuousClock()
        let start = clock.now
        while fired.value.load(ordering: .relaxed) == 0, start.duration(to: clock.now) < .seconds(10) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(fired.value.load(ordering: .relaxed) == 1)
    }

    @Test("a sleep whose scheduler cannot take it (its loop shutting down) still lasts its duration")
    func unschedulableSleep() async throws {
        let refusing = WatchdogTimer.Scheduler { _, _ in nil }
        let clock = ContinuousClock()
        let start = clock.now
        try await WatchdogTimer.sleep(for: .milliseconds(60), scheduler: refusing)
        #expect(start.duration(to: clock.now) >= .milliseconds(60), "a periodic loop would spin on a sleep that ends at once")
    }

    /// Keeps the callbacks it is given; `fireAll` runs them, as a loop would at their deadlines.
    private final class ManualScheduler: Sendable {
        private let state = Mutex<(durations: [Duration], callbacks: [@Sendable () -> Void], cancels: Int)>(([], [], 0))
        var durations: [Duration] { state.withLock { $0.durations } }
        var cancels: Int { state.withLock { $0.cancels } }

        var scheduler: WatchdogTimer.Scheduler {
            WatchdogTimer.Scheduler { [self] duration, fire in
                state.withLock {
                    $0.durations.append(duration)
                    $0.callbacks.append(fire)
                }
                return { [self] in state.withLock { $0.cancels += 1 } }
            }
        }

        func fireAll() {
            let callbacks = state.withLock { state in
                defer { state.callbacks = [] }
                return state.callbacks
            }
            for callback in callbacks { callback() }
        }
    }

    /// Many hour-long timers, each cancelled while it sleeps, against as many cancelled hour-long
    /// `Task.sleep`s (whose memory the runtime keeps: swiftlang/swift#60441). Measured as the
    /// bytes malloc has handed out, which is the whole process's: with the other suites running
    /// alongside, their allocations swamp it (a full run read +11 MB for the timers and +10 MB
    /// for the sleeps), so it runs only when asked, alone:
    /// `ACPD_MEMORY_TESTS=1 swift test --filter WatchdogTimerTests`.
    @Test("a cancelled timer frees its memory within a step; a cancelled Task.sleep does not",
          .enabled(if: ProcessInfo.processInfo.environment["ACPD_MEMORY_TESTS"] == "1", "measures the whole process's heap: run alone"))
    func cancelledTimersFreeTheirMemory() async throws {
        let count = 100_000
        let baseline = try heapInUse()
        var timers: [WatchdogTimer] = []
        timers.reserveCapacity(count)
        for _ in 0..<count { timers.append(WatchdogTimer(after: .seconds(3600), step: .milliseconds(500)) {}) }
        try await Task.sleep(for: .milliseconds(300))
        for timer in timers { timer.cancel() }
        timers = []
        let watchdogs = try await settledGrowth(since: baseline)
        let before = try heapInUse()
        await sleepAndCancel(count) { try await Task.sleep(for: .seconds(3600)) }
        let plain = try await settledGrowth(since: before)
        print("WatchdogTimer: \(count) cancelled hour-long timers keep \(watchdogs / 1024) kB; as many cancelled Task.sleeps \(plain / 1024) kB")
        #expect(watchdogs < max(plain / 10, 2 << 20), "cancelled Task.sleeps kept \(plain) bytes, cancelled timers \(watchdogs)")
    }

    /// How much the heap grew since `baseline`, 1.5 s on: the least of three readings half a
    /// second apart, so that what tests running alongside allocate for a moment does not count.
    private func settledGrowth(since baseline: Int) async throws -> Int {
        try await Task.sleep(for: .milliseconds(500))
        var least = Int.max
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(500))
            least = min(least, try heapInUse() - baseline)
        }
        return least
    }

    /// Starts `count` tasks running `body`, waits until they all sleep, cancels them and waits for them.
    private func sleepAndCancel(_ count: Int, _ body: @escaping @Sendable () async throws -> Void) async {
        let started = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask {
                    started.value.add(1, ordering: .relaxed)
                    try? await body()
                }
            }
            while started.value.load(ordering: .relaxed) < count { try? await Task.sleep(for: .milliseconds(20)) }
            // Each task counted itself just before it went to sleep: give the last ones time to get there.
            try? await Task.sleep(for: .milliseconds(300))
            group.cancelAll()
        }
    }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// The bytes glibc's malloc has handed out and not got back, over all arenas: the totals of
    /// `malloc_info` (after the last `</heap>`): current heap bytes less the free fast and
    /// regular chunks, plus the chunks served by their own mapping.
    private func heapInUse() throws -> Int {
        typealias Trim = @convention(c) (Int) -> Int32
        typealias Info = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        // First the free memory at the top of each arena goes back: malloc_info counts it as the arena's.
        _ = unsafeBitCast(try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")), to: Trim.self)(0)
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_info"))
        var buffer: UnsafeMutablePointer<CChar>?
        var length = 0
        let stream = try #require(open_memstream(&buffer, &length))
        _ = unsafeBitCast(symbol, to: Info.self)(0, stream)
        fclose(stream)
        defer { free(buffer) }
        let xml = String(cString: try #require(buffer))
        let totals = try #require(xml.range(of: "</heap>", options: .backwards)).upperBound
        func size(after prefix: String) -> Int? {
            guard let tag = xml.range(of: prefix, range: totals..<xml.endIndex),
                  let attribute = xml.range(of: "size=\"", range: tag.upperBound..<xml.endIndex) else { return nil }
            return Int(xml[attribute.upperBound...].prefix { $0.isNumber })
        }
        let current = try #require(size(after: "<system type=\"current\""))
        let fast = try #require(size(after: "<total type=\"fast\""))
        let rest = try #require(size(after: "<total type=\"rest\""))
        let mapped = try #require(size(after: "<total type=\"mmap\""))
        return current - fast - rest + mapped
    }
}
