import Logging
import Synchronization

/// Where a session actor's group-committed events go: published to the hub once committed;
/// an event the store could not take is logged (it is dropped, as a failed append always was).
///
/// It also counts the actor's events still queued for the writer, so that a run streaming faster
/// than the store writes waits (`waitForRoom`) instead of queueing without bound: the events of
/// other sessions, and their writes, never queue behind more than `limit` of one run's.
final class SessionEventSink: EventAppendSink {
    /// At most this many events of one session wait for the writer; the actor resumes once half
    /// of them are written.
    static let limit = 512

    private struct Backlog {
        var queued = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let hub: EventHub
    private let logger: Logger
    private let backlog = Mutex(Backlog())

    init(hub: EventHub, logger: Logger = Logger(label: "acpd.control-plane")) {
        self.hub = hub
        self.logger = logger
    }

    /// One more event of this session was queued.
    func enqueued() {
        backlog.withLock { $0.queued += 1 }
    }

    /// Returns at once when fewer than `limit` events of this session are queued, else once half
    /// of them are written.
    func waitForRoom() async {
        guard backlog.withLock({ $0.queued >= Self.limit }) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = backlog.withLock { backlog in
                guard backlog.queued > Self.limit / 2 else { return false }
                backlog.waiters.append(continuation)
                return true
            }
            if !wait { continuation.resume() }
        }
    }

    func committed(_ events: [ControlPlaneEvent]) {
        hub.publish(events)
        written(events.count)
    }

    func appendFailed(_ event: EventLog.Pending, error: any Error) {
        logger.error("cannot store event", metadata: ["run": "\(event.runId.map { "\($0)" } ?? "-")", "seq": "\(event.seq)",
                                                      "kind": "\(event.payload.kind)", "error": "\(error)"])
        written(1)
    }

    private func written(_ count: Int) {
        let ready = backlog.withLock { backlog -> [CheckedContinuation<Void, Never>] in
            backlog.queued -= count
            guard backlog.queued <= Self.limit / 2, !backlog.waiters.isEmpty else { return [] }
            defer { backlog.waiters = [] }
            return backlog.waiters
        }
        for continuation in ready { continuation.resume() }
    }
}
