import ACPControlPlane

/// Telegram's flood limits as one budget per chat, shared by every topic of that chat (Telegram
/// counts per chat, not per topic):
/// - calls into one chat start at least `interval` apart (about one message per second per chat);
/// - in a group or supergroup (a negative chat id) at most `groupLimit` calls start in any
///   `groupWindow` (about 20 messages per minute per group);
/// - calls into all chats together start at least `globalInterval` apart (about 30 per second
///   per bot);
/// - a `429 retry_after` holds the chat (or, with no chat, every chat) until the wait passed.
///
/// A conversation may reserve its next start ahead of its call (`reserve`): the send queue waits
/// for its turn first and picks the newest text afterwards, so text superseded during the wait is
/// never sent. The call then uses the reservation (`wait`) instead of waiting again. Slots are
/// handed out in the order they are asked for, so topics streaming at once take turns.
///
/// Reserving is one short actor turn; the waiting happens in the caller's task.
actor ChatPacer {
    /// The limits. Defaults: Telegram's.
    struct Budget: Sendable {
        var interval: Duration = .seconds(1)
        var groupLimit = 20
        var groupWindow: Duration = .seconds(62)
        var globalInterval: Duration = .milliseconds(34)
    }

    private let budget: Budget
    private let clock = ContinuousClock()
    private var nextSlot: [Int64: ContinuousClock.Instant] = [:]
    /// A group's most recent slots (at most `groupLimit`), oldest first.
    private var recent: [Int64: [ContinuousClock.Instant]] = [:]
    private var nextGlobal: ContinuousClock.Instant?
    /// Reserved, not yet used starts, by conversation.
    private var grants: [String: (chat: Int64, slot: ContinuousClock.Instant)] = [:]

    init(budget: Budget) {
        self.budget = budget
    }

    /// Waits for the next start in `chat` and keeps it for `conversation`'s next call; when the
    /// conversation already holds one, waits for that one. Throws only on cancellation.
    nonisolated func reserve(for chat: Int64, conversation: String) async throws {
        let slot = await grant(chat, conversation: conversation)
        try await WatchdogTimer.sleep(until: slot)
    }

    /// Waits for the start of a call into `chat`: the conversation's reservation if it has one,
    /// else the chat's next slot. Throws only on cancellation.
    nonisolated func wait(for chat: Int64, conversation: String) async throws {
        let slot = await take(chat, conversation: conversation)
        try await WatchdogTimer.sleep(until: slot)
    }

    /// Holds `chat` (nil: every chat) for `delay` (Telegram said to retry after it); reservations
    /// in the held time are given up.
    func hold(_ chat: Int64?, for delay: Duration) {
        let until = clock.now + delay
        if let chat {
            nextSlot[chat] = max(nextSlot[chat] ?? until, until)
            grants = grants.filter { $0.value.chat != chat || $0.value.slot >= until }
        } else {
            nextGlobal = max(nextGlobal ?? until, until)
            grants = grants.filter { $0.value.slot >= until }
        }
    }

    /// Whether a call into `chat` could start now without waiting (no hold, no reservation ahead).
    func isFree(_ chat: Int64) -> Bool {
        let now = clock.now
        return (nextSlot[chat] ?? now) <= now && (nextGlobal ?? now) <= now
    }

    private func grant(_ chat: Int64, conversation: String) -> ContinuousClock.Instant {
        if let held = grants[conversation], held.chat == chat, isFresh(held.slot) { return held.slot }
        let slot = nextStart(chat)
        grants[conversation] = (chat, slot)
        return slot
    }

    private func take(_ chat: Int64, conversation: String) -> ContinuousClock.Instant {
        if let held = grants.removeValue(forKey: conversation), held.chat == chat, isFresh(held.slot) { return held.slot }
        return nextStart(chat)
    }

    /// A reservation is good only right after its slot: a call made much later would start
    /// at a time nobody booked (too close to the calls booked since), so a stale one is
    /// given up and a new slot booked.
    private func isFresh(_ slot: ContinuousClock.Instant) -> Bool {
        clock.now - slot <= budget.interval / 4
    }

    /// The earliest start in `chat` that keeps every limit, booked.
    private func nextStart(_ chat: Int64) -> ContinuousClock.Instant {
        let now = clock.now
        var slot = max(now, nextSlot[chat] ?? now, nextGlobal ?? now)
        if chat < 0, budget.groupLimit > 0 {
            var slots = recent[chat, default: []]
            if slots.count >= budget.groupLimit {
                slot = max(slot, slots[slots.count - budget.groupLimit] + budget.groupWindow)
            }
            slots.append(slot)
            if slots.count > budget.groupLimit { slots.removeFirst(slots.count - budget.groupLimit) }
            recent[chat] = slots
        }
        nextSlot[chat] = slot + budget.interval
        nextGlobal = slot + budget.globalInterval
        if nextSlot.count > 4096 { prune(now: now) }
        return slot
    }

    /// Forgets chats with nothing booked (bounded memory with many chats).
    private func prune(now: ContinuousClock.Instant) {
        nextSlot = nextSlot.filter { $0.value > now }
        recent = recent.filter { ($0.value.last ?? now) + budget.groupWindow > now }
        grants = grants.filter { $0.value.slot + .seconds(60) > now }
    }
}
