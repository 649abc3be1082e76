import ChatCore
import Synchronization

/// One `getUpdates` answer on its way through the router. Each update is finished once (with the
/// router's outcome, or nil when it was not handled); the offset moves past an update only when it
/// and every update before it were handled, so an update the router never handled is fetched
/// again (and one handled twice is deduped by its idempotency key).
final class UpdateBatch: Sendable {
    /// Where one update of the batch is.
    enum Slot: Sendable, Equatable {
        case pending
        case handled(InboundOutcome?)
        case unhandled
    }

    private struct State {
        var slots: [Slot]
        var committed = 0
        var waiter: CheckedContinuation<[Slot], Never>?
        var released = false
    }

    private let updateIds: [Int64]
    private let state: Mutex<State>
    /// Called with the next offset (last handled update id + 1) each time the handled prefix
    /// grows, in order, under the batch's lock (a later offset is never written before an earlier one).
    private let commit: @Sendable (Int64) -> Void

    /// A batch of `updateIds` (in the order Telegram sent them).
    init(updateIds: [Int64], commit: @escaping @Sendable (Int64) -> Void) {
        self.updateIds = updateIds
        state = Mutex(State(slots: Array(repeating: .pending, count: updateIds.count)))
        self.commit = commit
    }

    /// Records that update `index` was handled (`outcome` non-nil, or `handled: true` for an
    /// update acpd ignores) or not.
    func finish(_ index: Int, handled: Bool, outcome: InboundOutcome? = nil) {
        let ready = state.withLock { state -> (CheckedContinuation<[Slot], Never>, [Slot])? in
            guard state.slots.indices.contains(index), state.slots[index] == .pending else { return nil }
            state.slots[index] = handled ? .handled(outcome) : .unhandled
            let before = state.committed
            while state.committed < state.slots.count, case .handled = state.slots[state.committed] {
                state.committed += 1
            }
            if state.committed > before { commit(updateIds[state.committed - 1] + 1) }
            guard !state.slots.contains(.pending), let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.slots)
        }
        if let (waiter, slots) = ready { waiter.resume(returning: slots) }
    }

    /// Waits until every update is finished and returns where each ended; on cancellation returns
    /// at once (updates still `pending` then; they keep moving the offset as they finish).
    func wait() async -> [Slot] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<[Slot], Never>) in
                let done = state.withLock { state -> [Slot]? in
                    guard state.slots.contains(.pending), !state.released else { return state.slots }
                    state.waiter = waiter
                    return nil
                }
                if let done { waiter.resume(returning: done) }
            }
        } onCancel: {
            release()
        }
    }

    /// Lets `wait` return now.
    private func release() {
        let ready = state.withLock { state -> (CheckedContinuation<[Slot], Never>, [Slot])? in
            state.released = true
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.slots)
        }
        if let (waiter, slots) = ready { waiter.resume(returning: slots) }
    }
}
