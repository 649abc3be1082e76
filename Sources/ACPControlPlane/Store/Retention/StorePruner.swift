import Logging

/// Applies `store.retention` in the background: every `interval` it deletes what finished,
/// delivered runs left past their age (`ControlPlaneStore.pruneStep`, a few hundred events per
/// transaction), then returns the freed pages to the file system (`reclaimFreePages`, 2 MiB per
/// transaction). After each transaction it pauses at least `pause` and at least `idleFactor`
/// times as long as the transaction took, so it holds the writer a small share of the time
/// (≤ 1/(1+idleFactor)) and the message path's writes rarely wait for it.
///
/// It runs on a thread of its own (`acpd.prune`), never on the cooperative pool that serves the
/// sessions. The first pass starts right away. Thread-safe.
public final class StorePruner: Sendable {
    /// What one pass did.
    public struct Pass: Sendable, Equatable {
        /// The sum of the pass's steps.
        public var deleted = PruneStep()
        /// Free pages given back to the file system.
        public var reclaimedPages = 0
    }

    private final class State: @unchecked Sendable {
        let lock = ConditionLock()
        var stopped = false
        var passes = 0
        var last = Pass()
        var retention: StoreRetention

        init(retention: StoreRetention) { self.retention = retention }
    }

    private let store: ControlPlaneStore
    private let interval: Double
    private let maxEventsPerStep: Int
    private let pause: Double
    private let idleFactor: Double
    private let logger: Logger
    private let state: State

    /// A pruner of `store`; `interval` seconds between passes, `pause` seconds between transactions.
    public init(store: ControlPlaneStore, retention: StoreRetention, interval: Double = 3600, maxEventsPerStep: Int = 250,
                pause: Double = 0.01, idleFactor: Double = 19, logger: Logger = Logger(label: "acpd.store.prune")) {
        self.idleFactor = idleFactor
        self.store = store
        state = State(retention: retention)
        self.interval = interval
        self.maxEventsPerStep = maxEventsPerStep
        self.pause = pause
        self.logger = logger
    }

    /// Starts the background thread (a pass now, then one every `interval`) until `stop`.
    public func start() throws(DedicatedThread.StartError) {
        try DedicatedThread.start(name: "acpd.prune") { [self] in
            repeat {
                _ = runPass()
            } while !wait(interval)
        }
    }

    /// Stops the thread (a pass in progress ends after its current transaction).
    public func stop() {
        state.lock.withLock {
            state.stopped = true
            state.lock.signalAll()
        }
    }

    /// Puts a reloaded `store.retention` in force from the next transaction of a pass on.
    public func update(_ retention: StoreRetention) {
        state.lock.withLock { state.retention = retention }
    }

    /// The retention in force.
    public var retention: StoreRetention { state.lock.withLock { state.retention } }

    /// Passes completed so far, and what the last one did.
    public var progress: (passes: Int, last: Pass) { state.lock.withLock { (state.passes, state.last) } }

    /// One pass, on the calling thread: prune until nothing is left, then reclaim the free pages.
    @discardableResult
    public func runPass() -> Pass {
        var pass = Pass()
        do {
            while !isStopped {
                let started = ContinuousClock.now
                let step = try store.pruneStep(self.retention, maxEvents: maxEventsPerStep)
                if step.isEmpty { break }
                pass.deleted.events += step.events
                pass.deleted.runs += step.runs
                pass.deleted.channelMessages += step.channelMessages
                pass.deleted.runsEmptied += step.runsEmptied
                pass.deleted.sessionEvents += step.sessionEvents
                pass.deleted.bindings += step.bindings
                pass.deleted.sessions += step.sessions
                pass.deleted.auditEntries += step.auditEntries
                if rest(after: started) { break }
            }
            var free = try store.size().freePages
            while free > 0, !isStopped {
                let started = ContinuousClock.now
                let left = try store.reclaimFreePages(maxPages: 512)
                pass.reclaimedPages += max(0, free - left)
                if left >= free { break }
                free = left
                if rest(after: started) { break }
            }
        } catch {
            logger.error("store retention failed; retried at the next pass", metadata: ["error": "\(error)"])
        }
        if !pass.deleted.isEmpty || pass.reclaimedPages > 0 {
            logger.info("store retention pass", metadata: [
                "events": "\(pass.deleted.events)", "runs": "\(pass.deleted.runs)", "channelMessages": "\(pass.deleted.channelMessages)",
                "sessionEvents": "\(pass.deleted.sessionEvents)", "bindings": "\(pass.deleted.bindings)", "sessions": "\(pass.deleted.sessions)",
                "auditEntries": "\(pass.deleted.auditEntries)",
                "reclaimedPages": "\(pass.reclaimedPages)"])
        }
        state.lock.withLock {
            state.passes += 1
            state.last = pass
        }
        return pass
    }

    private var isStopped: Bool { state.lock.withLock { state.stopped } }

    /// The pause after a transaction that began at `started`; true when stopped meanwhile.
    private func rest(after started: ContinuousClock.Instant) -> Bool {
        let took = (ContinuousClock.now - started).seconds
        return wait(max(pause, took * idleFactor))
    }

    /// Waits `seconds` or until stopped; true when stopped.
    private func wait(_ seconds: Double) -> Bool {
        state.lock.withLock {
            if !state.stopped, seconds > 0 { state.lock.wait(seconds: seconds) }
            return state.stopped
        }
    }
}
