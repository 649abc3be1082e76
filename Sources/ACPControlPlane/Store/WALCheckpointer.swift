/// Copies the WAL's committed pages into the database file from a thread of its own, so that no
/// write on the message path pays for a checkpoint (with SQLite's automatic checkpoint, the
/// commit that crosses the threshold runs it, fsync included: a few milliseconds every few
/// dozen messages, the whole p99 of the inbound path).
///
/// It uses a separate connection and `PASSIVE` checkpoints, which never block the writer or the
/// readers. The writer keeps a high automatic threshold (`ControlPlaneStore.autoCheckpointPages`)
/// as a safety net, so the WAL stays bounded even if this thread cannot work.
final class WALCheckpointer: Sendable {
    /// How often the WAL is checked, in seconds.
    static let interval = 0.25

    /// The stop request, guarded by its lock.
    private final class StopSignal: @unchecked Sendable {
        let lock = ConditionLock()
        var stopped = false

        /// Waits up to `interval` seconds for a stop; true when stopped.
        func wait(_ interval: Double) -> Bool {
            lock.withLock {
                if !stopped { lock.wait(seconds: interval) }
                return stopped
            }
        }

        func stop() {
            lock.withLock {
                stopped = true
                lock.signalAll()
            }
        }
    }

    private let signal = StopSignal()

    /// Starts checkpointing the database at `path` (which must exist, in WAL mode).
    init(path: String) {
        // Without the thread (the system refused one), the writer's automatic checkpoint still bounds the WAL.
        try? DedicatedThread.start(name: "acpd.wal-ckpt") { [signal] in
            let connection = try? Database(path: path, mode: .readWrite, busyTimeoutMilliseconds: 1000)
            while !signal.wait(WALCheckpointer.interval) {
                // A busy or failed checkpoint is simply tried again next time.
                try? connection?.checkpoint(.passive)
            }
            connection?.close()
        }
    }

    /// Stops the thread (it finishes a checkpoint in progress, then closes its connection).
    func stop() {
        signal.stop()
    }

    deinit {
        stop()
    }
}
