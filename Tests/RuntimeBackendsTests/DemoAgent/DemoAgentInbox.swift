import Foundation

/// The stdout lines of an agent process, with event-driven waiting.
///
/// `deliver` is called by the reader thread in stdout order. `next(where:)` returns the first
/// line after the previous match that satisfies the predicate (skipping the others), suspending
/// until it arrives; it returns nil when stdout has ended or the waiting task is cancelled.
/// One waiter at a time.
final class DemoAgentInbox: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    private struct Waiter {
        let id: UUID
        let predicate: @Sendable (String) -> Bool
        let continuation: CheckedContinuation<String?, Never>
    }

    private let lock = NSLock()
    private var lines: [String] = []
    private var stderrLines: [String] = []
    private var cursor = 0
    private var finished = false
    private var waiter: Waiter?

    func deliver(_ line: String) {
        lock.lock()
        lines.append(line)
        var resumed: Waiter?
        if let waiter, waiter.predicate(line) {
            cursor = lines.count
            resumed = waiter
            self.waiter = nil
        }
        lock.unlock()
        resumed?.continuation.resume(returning: line)
    }

    func deliverStderr(_ line: String) {
        lock.lock()
        stderrLines.append(line)
        lock.unlock()
    }

    func finish() {
        lock.lock()
        finished = true
        let resumed = waiter
        waiter = nil
        lock.unlock()
        resumed?.continuation.resume(returning: nil)
    }

    /// Every stdout line so far.
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    /// Every stderr line so far.
    var stderr: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stderrLines
    }

    func next(where predicate: @escaping @Sendable (String) -> Bool) async -> String? {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                lock.lock()
                if let index = lines[cursor...].firstIndex(where: predicate) {
                    cursor = index + 1
                    let line = lines[index]
                    lock.unlock()
                    continuation.resume(returning: line)
                } else if finished || Task.isCancelled {
                    cursor = lines.count
                    lock.unlock()
                    continuation.resume(returning: nil)
                } else {
                    cursor = lines.count
                    waiter = Waiter(id: id, predicate: predicate, continuation: continuation)
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let cancelled = waiter?.id == id ? waiter : nil
            if cancelled != nil { waiter = nil }
            lock.unlock()
            cancelled?.continuation.resume(returning: nil)
        }
    }
}

/// Small helpers to look at JSON-RPC lines in tests.
enum DemoAgentJSON {
    static func object(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    static func isResponse(_ message: [String: Any], id: Int) -> Bool {
        message["method"] == nil && (message["id"] as? Int) == id
    }

    /// `params.update` of a `session/update`, or nil.
    static func update(_ message: [String: Any]) -> [String: Any]? {
        guard message["method"] as? String == "session/update" else { return nil }
        return (message["params"] as? [String: Any])?["update"] as? [String: Any]
    }

    static func updateKind(_ message: [String: Any]) -> String? {
        update(message)?["sessionUpdate"] as? String
    }

    /// The text of an `agent_message_chunk` (or another chunk kind), or nil.
    static func chunkText(_ message: [String: Any], kind: String = "agent_message_chunk") -> String? {
        guard let update = update(message), update["sessionUpdate"] as? String == kind else { return nil }
        return (update["content"] as? [String: Any])?["text"] as? String
    }

    static func result(_ message: [String: Any]) -> [String: Any]? { message["result"] as? [String: Any] }

    static func errorCode(_ message: [String: Any]) -> Int? { (message["error"] as? [String: Any])?["code"] as? Int }
}
