#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where the events of a group commit go once they are committed (or why they were not).
/// (`package`: acpd-bench drives the group commit with its own sink.)
package protocol EventAppendSink: AnyObject, Sendable {
    /// Called on the writer after the commit, holding the write lock, in commit order.
    func committed(_ events: [ControlPlaneEvent])
    /// The events could not be stored (each was tried in a transaction of its own); they are dropped.
    func appendFailed(_ event: EventLog.Pending, error: any Error)
}

/// Group commit of the events a session actor records while its run streams: the actor queues
/// an event here and goes on; the store's writer thread (`acpd.store-w`) commits every event
/// queued while it was writing in its next transaction, then hands them to their sink (the hub)
/// in commit order. An event is therefore committed before anyone sees it, and a crash loses
/// only events nobody was shown.
///
/// Every other write of the store takes what is queued here into its own transaction, ahead of
/// its own statements (see `ControlPlaneStore.write`), so a run's terminal event (written with
/// the run's end) always follows its deltas, and `seq` order per run is commit order.
///
/// While a stream of text deltas outruns the writer, the writer thread keeps `textPace` between
/// its commits (see `waitForWork`). Thread-safe.
final class EventAppender: @unchecked Sendable {
    /// One queued event.
    struct Entry {
        var pending: EventLog.Pending
        let conversation: ConversationRef?
        let time: Double
        let sink: any EventAppendSink
    }

    /// The queue and the stop flag, guarded by `lock`.
    private let lock = ConditionLock()
    private var queue: [Entry] = []
    /// Per run, the index in `queue` of its last queued event.
    private var lastOfRun: [RunID: Int] = [:]
    private var stopped = false
    /// Queued events that are not text deltas (they are committed without waiting for the pace).
    private var urgent = 0
    /// When the queue was last taken (by the writer thread or by a write that commits it first).
    private var lastTaken = ContinuousClock.now
    /// The least time between two group commits of the writer thread while it is behind (events
    /// arrived while it committed) and only text deltas wait: the deltas that arrive meanwhile
    /// grow the queued ones (`extendQueuedText`) instead of each becoming a transaction of its
    /// own. An agent streaming as fast as its pipe allows then costs the writer a commit per
    /// pace, not one per read, and the writer stays free for other sessions' writes. An event
    /// that finds the writer idle, any event but a text delta, and any write of the store
    /// commit the queue at once.
    let textPace: Duration
    /// True while the writer thread runs (false if the system refused a thread: enqueuers then flush).
    private var threaded = false

    /// An appender whose writer thread (once started) keeps `textPace` between its commits while behind.
    init(textPace: Duration = .milliseconds(5)) {
        self.textPace = textPace
    }

    /// Adds an event to the next transaction; false when the caller must flush itself (no writer thread).
    func enqueue(_ entry: Entry) -> Bool {
        let (wake, threaded) = lock.withLock {
            if let run = entry.pending.runId { lastOfRun[run] = queue.count }
            queue.append(entry)
            var wake = queue.count == 1
            if case .text = entry.pending.payload {} else {
                urgent += 1
                wake = wake || urgent == 1
            }
            return (wake, self.threaded && !stopped)
        }
        // The writer thread is the one waiter; woken after the lock is released, so it does not
        // wake only to wait for the lock this thread still holds.
        if wake { lock.signalOne() }
        return threaded
    }

    /// Takes every queued event (in queue order).
    func takeAll() -> [Entry] {
        lock.withLock {
            defer {
                queue = []
                lastOfRun = [:]
                urgent = 0
                lastTaken = .now
            }
            return queue
        }
    }

    /// Appends `delta`'s text to the run's last queued event when that is a text delta of the
    /// same stream and message that no transaction has taken yet: deltas that arrive while the
    /// writer is busy become one event (one `seq`, one row, one publish). False otherwise.
    func extendQueuedText(run: RunID, with delta: TextDelta) -> Bool {
        lock.withLock {
            guard let index = lastOfRun[run], case .text(var queued) = queue[index].pending.payload,
                  queued.stream == delta.stream, queued.messageId == delta.messageId else { return false }
            // Drop the queue's reference first, so the text grows in place instead of being copied.
            queue[index].pending.payload = .cancelled
            queued.text += delta.text
            queue[index].pending.payload = .text(queued)
            return true
        }
    }

    /// Whether events are queued.
    var isEmpty: Bool { lock.withLock { queue.isEmpty } }

    /// Waits until an event is queued; when events were already waiting as the writer came back
    /// from a commit (`afterCommit`: they arrived while it committed) and all are text deltas, also
    /// until `textPace` passed since the queue was last taken. False once stopped (after the queue
    /// was taken).
    func waitForWork(afterCommit: Bool = false) -> Bool {
        lock.withLock {
            while true {
                let behind = afterCommit && !queue.isEmpty
                while queue.isEmpty && !stopped { lock.wait() }
                if stopped { return !queue.isEmpty }
                while behind && !queue.isEmpty && urgent == 0 && !stopped {
                    let left = lastTaken + textPace - .now
                    guard left > .zero else { break }
                    lock.wait(seconds: Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18)
                }
                // Empty again when a write committed the queue meanwhile: wait for the next event.
                if !queue.isEmpty || stopped { return !queue.isEmpty }
            }
        }
    }

    /// Starts the writer thread; `flush` commits the queue (it returns false when the store is gone).
    func start(_ flush: @escaping @Sendable () -> Bool) {
        do {
            try DedicatedThread.start(name: "acpd.store-w") { [self] in
                var afterCommit = false
                while waitForWork(afterCommit: afterCommit) {
                    if !flush() { break }
                    afterCommit = true
                }
                lock.withLock { threaded = false }
            }
            lock.withLock { threaded = true }
        } catch {
            lock.withLock { threaded = false }
        }
    }

    /// Stops the writer thread once the queue is empty (call after a last flush).
    func stop() {
        lock.withLock {
            stopped = true
            lock.signalAll()
        }
    }

    /// Appends `batch` in one transaction on `db` (the writer, outside any transaction) and hands the
    /// committed events to their sinks; when the transaction fails, each event is tried alone.
    static func commit(_ batch: [Entry], on db: Database) {
        guard !batch.isEmpty else { return }
        do {
            let ids = try db.inTransaction(.immediate) { db in
                try batch.map { entry in try EventLog.append(db, entry.pending, at: entry.time) }
            }
            publish(batch, ids: ids)
        } catch {
            for entry in batch {
                do {
                    let id = try db.inTransaction(.immediate) { db in try EventLog.append(db, entry.pending, at: entry.time) }
                    publish([entry], ids: [id])
                } catch {
                    entry.sink.appendFailed(entry.pending, error: error)
                }
            }
        }
    }

    /// Runs `body` in one transaction on `db` (the writer, outside any transaction) that first
    /// appends `batch`, and hands the batch to its sinks once committed: the queued events go in
    /// the same commit as the write that found them waiting, instead of one of their own before
    /// it. When `body` throws, the transaction is rolled back, the batch is committed alone (as
    /// `commit` does) and the error is rethrown: the outcome a commit of the queue before the
    /// write had. When the batch itself is refused, it goes through `commit` and `body` then runs
    /// in a transaction of its own.
    static func commit<T>(_ batch: [Entry], with body: (Database) throws -> T, on db: Database) throws -> T {
        guard !batch.isEmpty else { return try db.inTransaction(.immediate, body) }
        var ids: [Int64] = []
        var bodyStarted = false
        do {
            let result = try db.inTransaction(.immediate) { db in
                ids = try batch.map { entry in try EventLog.append(db, entry.pending, at: entry.time) }
                bodyStarted = true
                return try body(db)
            }
            publish(batch, ids: ids)
            return result
        } catch {
            commit(batch, on: db)
            if bodyStarted { throw error }
            return try db.inTransaction(.immediate, body)
        }
    }

    /// Hands committed events to their sinks, consecutive events of one sink together.
    private static func publish(_ batch: [Entry], ids: [Int64]) {
        var start = 0
        while start < batch.count {
            let sink = batch[start].sink
            var end = start + 1
            while end < batch.count, batch[end].sink === sink { end += 1 }
            sink.committed((start..<end).map { index in
                let entry = batch[index]
                return ControlPlaneEvent(id: ids[index], sessionKey: entry.pending.sessionKey, runId: entry.pending.runId,
                                         seq: entry.pending.seq, conversation: entry.conversation, payload: entry.pending.payload,
                                         at: Date(timeIntervalSince1970: entry.time))
            })
            start = end
        }
    }
}
