import Foundation
import GRDB

/// Copies the WAL's committed pages into the database file from a thread of its own, so that no
/// write on the message path pays for a checkpoint (with SQLite's automatic checkpoint, the
/// commit that crosses the threshold runs it, fsync included: a few milliseconds every few
/// dozen messages, the whole p99 of the inbound path).
///
/// It uses a separate connection and `PASSIVE` checkpoints, which never block the writer or the
/// readers. The writer keeps a high automatic threshold (`ControlPlaneStore.autoCheckpointPages`)
/// as a safety net, so the WAL stays bounded even if this thread cannot work.
final class WALCheckpointer: Sendable {
    /// How often the WAL is checked.
    static let interval: TimeInterval = 0.25

    /// The stop request, guarded by its condition's lock.
    private final class StopSignal: @unchecked Sendable {
        let condition = NSCondition()
        var stopped = false

        /// Waits up to `interval` for a stop; true when stopped.
        func wait(_ interval: TimeInterval) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            if !stopped { _ = condition.wait(until: Date(timeIntervalSinceNow: interval)) }
            return stopped
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
    }

    private let signal = StopSignal()

    /// Starts checkpointing the database at `path` (which must exist, in WAL mode).
    init(path: String, logLabel: String) {
        let thread = Thread { [signal] in
            var configuration = Configuration()
            configuration.label = "\(logLabel).checkpointer"
            configuration.busyMode = .timeout(1)
            let queue = try? DatabaseQueue(path: path, configuration: configuration)
            while !signal.wait(WALCheckpointer.interval) {
                // A busy or failed checkpoint is simply tried again next time.
                try? queue?.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            }
            try? queue?.close()
        }
        thread.name = "acpd.wal-checkpointer"
        thread.start()
    }

    /// Stops the thread (it finishes a checkpoint in progress, then closes its connection).
    func stop() {
        signal.stop()
    }

    deinit {
        stop()
    }
}
