/// One pacing budget per Telegram chat, shared by every topic of that chat (Telegram's flood
/// limits count per chat, not per topic): calls into one chat start at least `interval` apart,
/// and a `429 retry_after` for the chat holds every call into it until the wait has passed.
///
/// Reserving a slot is one short actor turn; the wait happens in the caller's task.
actor ChatPacer {
    private let interval: Duration
    private let clock = ContinuousClock()
    private var nextSlot: [Int64: ContinuousClock.Instant] = [:]

    init(interval: Duration) {
        self.interval = interval
    }

    /// Waits for the next slot of `chat` (throws only on cancellation).
    nonisolated func wait(for chat: Int64) async throws {
        let slot = await reserve(chat)
        try await clock.sleep(until: slot)
    }

    /// Holds `chat` for `delay` (Telegram said to retry after it).
    func hold(_ chat: Int64, for delay: Duration) {
        let until = clock.now + delay
        nextSlot[chat] = max(nextSlot[chat] ?? until, until)
    }

    private func reserve(_ chat: Int64) -> ContinuousClock.Instant {
        let now = clock.now
        let slot = max(now, nextSlot[chat] ?? now)
        nextSlot[chat] = slot + interval
        if nextSlot.count > 4096 { nextSlot = nextSlot.filter { $0.value > now } }
        return slot
    }
}
