import ACPControlPlane
import Bindings
import Synchronization

/// Ordering and admission for a channel's inbound stream: messages of one conversation are
/// handled one at a time in arrival order, different conversations in parallel, with at most
/// `limit` messages in flight per channel (reading the stream pauses beyond that, so a flood
/// applies backpressure instead of piling up tasks).
///
/// Use: `enter(_:)` in the reading loop (arrival order), then in the handling task
/// `wait(for:)` unless the ticket `isFirst`, handle, `done(with:)`.
///
/// A lock, not an actor: on the inbound path of every message, the uncontended case (room in
/// flight, nobody ahead in the conversation) takes no suspension and no hop; only a full channel
/// or a busy conversation waits on a continuation.
final class ConversationLanes: Sendable {
    /// A place in one conversation's line.
    struct Ticket: Sendable {
        let conversation: String
        let number: UInt64
        /// True when nothing of the conversation was in line when the ticket was issued: its
        /// holder may go at once (no `wait(for:)` needed).
        var isFirst = false
    }

    private struct Lane {
        var issued: UInt64 = 0
        var serving: UInt64 = 0
        var waiting: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private struct State {
        var lanes: [String: Lane] = [:]
        var inFlight = 0
        var admissions: [CheckedContinuation<Void, Never>] = []
    }

    let limit: Int
    private let state = Mutex(State())

    /// Lanes with at most `limit` (≥ 1) messages in flight.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Number of conversations with a message in flight or waiting (for tests and metrics).
    var activeConversations: Int { state.withLock { $0.lanes.count } }
    /// Number of `admit()` calls waiting for room.
    var pendingAdmissions: Int { state.withLock { $0.admissions.count } }

    /// Returns once fewer than `limit` messages are in flight, and counts this one.
    func admit() async {
        let admitted = state.withLock { state -> Bool in
            guard state.inFlight < limit else { return false }
            state.inFlight += 1
            return true
        }
        if admitted { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                // Room may have been made between the two locks.
                if state.inFlight < limit {
                    state.inFlight += 1
                    return true
                }
                state.admissions.append(waiter)
                return false
            }
            if now { waiter.resume() }
        }
    }

    /// `admit()` then `ticket(for:)`: returns once fewer than `limit` messages are in flight, with
    /// the next place in `conversation`'s line.
    func enter(_ conversation: ConversationRef) async -> Ticket {
        await admit()
        return ticket(for: conversation)
    }

    /// The next place in `conversation`'s line; call in arrival order.
    func ticket(for conversation: ConversationRef) -> Ticket {
        let key = conversation.canonical
        return state.withLock { state in
            var lane = state.lanes[key] ?? Lane()
            let ticket = Ticket(conversation: key, number: lane.issued, isFirst: lane.issued == lane.serving)
            lane.issued += 1
            state.lanes[key] = lane
            return ticket
        }
    }

    /// Returns once every earlier ticket of the same conversation is done.
    func wait(for ticket: Ticket) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                guard let lane = state.lanes[ticket.conversation], lane.serving != ticket.number else { return true }
                state.lanes[ticket.conversation]?.waiting[ticket.number] = waiter
                return false
            }
            if ready { waiter.resume() }
        }
    }

    /// Ends `ticket`'s turn: the conversation's next message may go, and one more may be admitted.
    func done(with ticket: Ticket) {
        let (next, admission) = state.withLock { state -> (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?) in
            var next: CheckedContinuation<Void, Never>?
            if var lane = state.lanes[ticket.conversation] {
                lane.serving += 1
                if lane.serving == lane.issued {
                    state.lanes[ticket.conversation] = nil
                } else {
                    next = lane.waiting.removeValue(forKey: lane.serving)
                    state.lanes[ticket.conversation] = lane
                }
            }
            if state.admissions.isEmpty {
                state.inFlight -= 1
                return (next, nil)
            }
            return (next, state.admissions.removeFirst())
        }
        next?.resume()
        admission?.resume()
    }
}
