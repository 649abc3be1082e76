import Synchronization

/// A counter others can wait on: `wait(beyond:)` returns once `signal` raised it past the given
/// value (at once if it already is), or when the waiting task is cancelled. Channels use it to
/// restart their connection when a reload changed their settings.
public final class GenerationSignal: Sendable {
    private struct State {
        var generation = 0
        var waiters: [Int: (beyond: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// A counter at 0.
    public init() {}

    /// Raises the counter to `generation` (never lowers it) and wakes whoever waits below it.
    public func signal(_ generation: Int) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation = max(state.generation, generation)
            let due = state.waiters.filter { $0.value.beyond < state.generation }
            for key in due.keys { state.waiters[key] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once the counter is above `generation`, or the task is cancelled.
    public func wait(beyond generation: Int) async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation > generation || Task.isCancelled { return true }
                    state.waiters[id] = (generation, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }
}
