import ACPControlPlane
import Bindings

/// Ordering and admission for a channel's inbound stream: messages of one conversation are
/// handled one at a time in arrival order, different conversations in parallel, with at most
/// `limit` messages in flight per channel (reading the stream pauses beyond that, so a flood
/// applies backpressure instead of piling up tasks).
///
/// Use: `admit()` then `ticket(for:)` in the reading loop (arrival order), then in the handling
/// task `wait(for:)`, handle, `done(with:)`.
actor ConversationLanes {
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

    let limit: Int
    private var lanes: [String: Lane] = [:]
    private var inFlight = 0
    private var admissions: [CheckedContinuation<Void, Never>] = []

    /// Lanes with at most `limit` (≥ 1) messages in flight.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Number of conversations with a message in flight or waiting (for tests and metrics).
    var activeConversations: Int { lanes.count }
    /// Number of `admit()` calls waiting for room.
    var pendingAdmissions: Int { admissions.count }

    /// Returns once fewer than `limit` messages are in flight, and counts this one.
    func admit() async {
        if inFlight >= limit {
            await withCheckedContinuation { admissions.append($0) }
        } else {
            inFlight += 1
        }
    }

    /// `admit()` then `ticket(for:)` in one step (one hop on the inbound path): returns once fewer
    /// than `limit` messages are in flight, with the next place in `conversation`'s line.
    func enter(_ conversation: ConversationRef) async -> Ticket {
        await admit()
        return ticket(for: conversation)
    }

    /// The next place in `conversation`'s line; call in arrival order.
    func ticket(for conversation: ConversationRef) -> Ticket {
        let key = conversation.canonical
        var lane = lanes[key] ?? Lane()
        let ticket = Ticket(conversation: key, number: lane.issued, isFirst: lane.issued == lane.serving)
        lane.issued += 1
        lanes[key] = lane
        return ticket
    }

    /// Returns once every earlier ticket of the same conversation is done.
    func wait(for ticket: Ticket) async {
        guard let lane = lanes[ticket.conversation], lane.serving != ticket.number else { return }
        await withCheckedContinuation { lanes[ticket.conversation]?.waiting[ticket.number] = $0 }
    }

    /// Ends `ticket`'s turn: the conversation's next message may go, and one more may be admitted.
    func done(with ticket: Ticket) {
        if var lane = lanes[ticket.conversation] {
            lane.serving += 1
            if lane.serving == lane.issued {
                lanes[ticket.conversation] = nil
            } else {
                let next = lane.waiting.removeValue(forKey: lane.serving)
                lanes[ticket.conversation] = lane
                next?.resume()
            }
        }
        if admissions.isEmpty {
            inFlight -= 1
        } else {
            admissions.removeFirst().resume()
        }
    }
}
