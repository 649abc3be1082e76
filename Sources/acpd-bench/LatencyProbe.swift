import ACPControlPlane
import Foundation
import Synchronization

/// Timestamps of one run as the bench's runtime decorator, wire tap and channel saw them
/// (monotonic seconds).
struct RunTimeline: Sendable {
    /// `runTurn` was called for the run.
    var turnStarted: Double?
    /// The `session/prompt` line was handed to the agent's pipe writer.
    var promptWritten: Double?
    /// The runtime's stream yielded the run's first output text.
    var firstChunk: Double?
    /// The runtime's stream of the turn ended (the agent's answer read and mapped).
    var streamEnded: Double?
    /// Chunk → first send/edit whose text contains it, per output chunk.
    var chunkLatencies: [Double] = []
    /// Per chunk: whether the run's final operation showed it first (not a live flush).
    var shownByFinal: [Bool] = []
    /// The run's final operation reached the channel.
    var finalDelivered: Double?

    /// Output bytes shown so far (leading newlines dropped, trailing whitespace not counted yet).
    fileprivate var shownBytes = 0
    /// Trailing whitespace bytes after them.
    fileprivate var trailingBytes = 0
    /// Chunks not yet shown: how many UTF-8 bytes of rendered text show them, and when they came.
    fileprivate var pending: [(target: Int, at: Double)] = []
    /// The first entry of `pending` not shown yet.
    fileprivate var pendingHead = 0
    fileprivate var waiters: [CheckedContinuation<Void, Never>] = []
}

/// Collects run timelines from any task; `waitForFinal` lets the driver wait for a run's final
/// delivery.
final class LatencyProbe: Sendable {
    private struct State {
        var runs: [RunID: RunTimeline] = [:]
        var lastStarted: RunID?
    }

    private let state = Mutex(State())

    /// `runTurn` was called.
    func turnStarted(_ runId: RunID) {
        let now = monotonicSeconds()
        state.withLock { state in
            state.runs[runId, default: RunTimeline()].turnStarted = now
            state.lastStarted = runId
        }
    }

    /// A `session/prompt` line was written; attributed to the run started last (only meaningful
    /// when one turn runs at a time).
    func promptWritten() {
        let now = monotonicSeconds()
        state.withLock { state in
            guard let run = state.lastStarted, state.runs[run]?.promptWritten == nil else { return }
            state.runs[run]?.promptWritten = now
        }
    }

    /// The runtime's stream of the run ended.
    func streamEnded(_ runId: RunID) {
        let now = monotonicSeconds()
        state.withLock { $0.runs[runId, default: RunTimeline()].streamEnded = now }
    }

    /// The runtime's stream yielded output text.
    func chunk(_ runId: RunID, text: String) {
        let now = monotonicSeconds()
        state.withLock { state in
            // Taken out of the dictionary while it changes: a copy left behind would make every
            // append copy the run's whole `pending` list (quadratic over a 10,000-chunk answer).
            var run = state.runs.removeValue(forKey: runId) ?? RunTimeline()
            if run.firstChunk == nil { run.firstChunk = now }
            // Delivery drops leading newlines and trailing whitespace of an output block: the
            // bytes that show this chunk, counted as the output grows (linear in the output).
            var piece = Substring(text)
            if run.shownBytes == 0 && run.trailingBytes == 0 { piece = piece.drop(while: \.isNewline) }
            var end = piece.endIndex
            while end > piece.startIndex, piece[piece.index(before: end)].isWhitespace { end = piece.index(before: end) }
            let trailing = piece[end...].utf8.count
            if end == piece.startIndex {
                run.trailingBytes += trailing
            } else {
                run.shownBytes += run.trailingBytes + piece[..<end].utf8.count
                run.trailingBytes = trailing
            }
            let target = run.shownBytes
            if target > 0, !text.isEmpty { run.pending.append((target, now)) }
            state.runs[runId] = run
        }
    }

    /// The channel sent or edited a message of `runId` with `text`.
    func delivered(_ runId: RunID, text: String, isFinal: Bool) {
        let now = monotonicSeconds()
        let length = text.utf8.count
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            var run = state.runs.removeValue(forKey: runId) ?? RunTimeline()
            while run.pendingHead < run.pending.count, run.pending[run.pendingHead].target <= length {
                run.chunkLatencies.append(now - run.pending[run.pendingHead].at)
                run.shownByFinal.append(isFinal)
                run.pendingHead += 1
            }
            var ready: [CheckedContinuation<Void, Never>] = []
            if isFinal, run.finalDelivered == nil {
                run.finalDelivered = now
                ready = run.waiters
                run.waiters = []
            }
            state.runs[runId] = run
            return ready
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the run's final operation reached the channel.
    func waitForFinal(_ runId: RunID) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.runs[runId]?.finalDelivered != nil { return true }
                state.runs[runId, default: RunTimeline()].waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Removes and returns the run's timeline.
    func take(_ runId: RunID) -> RunTimeline? {
        state.withLock { $0.runs.removeValue(forKey: runId) }
    }
}

/// A counter safe to bump from any task.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

/// This process's resident memory, peak, threads and open file descriptors (from /proc/self).
struct ProcessStats: CustomStringConvertible {
    var rssKiB = 0
    var peakKiB = 0
    var threads = 0
    var fds = 0

    static func current() -> ProcessStats {
        var stats = ProcessStats()
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let value = Int(fields[1]) else { continue }
            switch fields[0] {
            case "VmRSS:": stats.rssKiB = value
            case "VmHWM:": stats.peakKiB = value
            case "Threads:": stats.threads = value
            default: break
            }
        }
        stats.fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return stats
    }

    var description: String {
        String(format: "RSS %.1f MiB (peak %.1f MiB), %d threads, %d fds", Double(rssKiB) / 1024, Double(peakKiB) / 1024, threads, fds)
    }
}
