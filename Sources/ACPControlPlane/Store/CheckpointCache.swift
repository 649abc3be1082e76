import Synchronization

/// The delivery checkpoints this process has committed, kept in memory so that advancing one to
/// where a channel's own write already moved it costs no transaction. A store-backed channel (the
/// http message log, Telegram's and Discord's recorded messages) advances the checkpoint in the
/// same transaction as its message; the send queue then asks again (`advanceCheckpoint`), which
/// is answered from here. Only committed positions are noted, and a checkpoint never moves back,
/// so an entry can only be behind the store, never ahead: a miss just writes. Bounded: once it
/// holds `capacity` entries it starts over.
final class CheckpointCache: Sendable {
    static let capacity = 4096

    private let entries = Mutex<[String: Int64]>([:])

    private static func key(_ run: RunID, _ destination: String) -> String { run.rawValue + "\u{1F}" + destination }

    /// Notes a committed advance (nil: nothing).
    func note(_ advance: CheckpointAdvance?) {
        guard let advance else { return }
        note(run: advance.run, destination: advance.destination, seq: advance.seq)
    }

    /// Notes that the checkpoint of (run, destination) is committed at `seq` or beyond.
    func note(run: RunID, destination: String, seq: Int64) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            let key = Self.key(run, destination)
            entries[key] = max(entries[key] ?? 0, seq)
        }
    }

    /// The committed checkpoint of (run, destination) when it is known to be at `seq` or beyond.
    func covering(run: RunID, destination: String, seq: Int64) -> Int64? {
        entries.withLock { entries in
            guard let known = entries[Self.key(run, destination)], known >= seq else { return nil }
            return known
        }
    }
}
