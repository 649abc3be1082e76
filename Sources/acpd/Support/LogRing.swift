import ChatCore
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// acpd's recent log lines in memory (`/acp logs`): a bounded ring fed by every logger of the
/// process (`LogSetup` puts a `LogRingHandler` beside the stderr handler), so no log file is
/// needed. Lines are kept as written; `/acp logs` redacts them when it shows them.
final class LogRing: LogLineSource {
    /// The process-wide ring.
    static let shared = LogRing(capacity: 2000)

    /// The longest line kept (longer ones are cut, with `…`).
    static let maxLineLength = 2000

    private struct Storage {
        var lines: [String] = []
        /// Where the next line goes once the ring is full.
        var next = 0
    }

    let capacity: Int
    private let storage = Mutex(Storage())

    /// A ring of at most `capacity` lines.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds `line`, dropping the oldest one when full.
    func append(_ line: String) {
        let line = line.utf8.count > Self.maxLineLength ? String(line.prefix(Self.maxLineLength)) + "…" : line
        storage.withLock { storage in
            if storage.lines.count < capacity {
                storage.lines.append(line)
            } else {
                storage.lines[storage.next] = line
                storage.next = (storage.next + 1) % capacity
            }
        }
    }

    /// Every kept line, oldest first.
    func lines() -> [String] {
        storage.withLock { storage in
            Array(storage.lines[storage.next...] + storage.lines[..<storage.next])
        }
    }
}

/// A `LogHandler` that writes each record as one text line into a `LogRing`:
/// `<time> <level> <label>: <message> key=value …`.
struct LogRingHandler: LogHandler {
    let label: String
    let ring: LogRing
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        ring.append(Self.line(time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: recordMetadata(event)))
    }

    /// The text of one record.
    static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var line = "\(time.formatted(.iso8601)) \(level.rawValue) \(label): \(message)"
        for key in metadata.keys.sorted() { line += " \(key)=\(metadata[key]!)" }
        return line
    }
}
