import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Testing
import TestSupport

/// `ConversationLanes`: one conversation in arrival order, others in parallel, bounded in flight.
struct ConversationLanesTests {
    actor Log {
        private(set) var entries: [String] = []
        func append(_ entry: String) { entries.append(entry) }
    }

    private static func ref(_ id: String) -> ConversationRef { ConversationRef(channel: .http, conversationId: id) }

    @Test("a conversation's messages run in ticket order even when later ones are scheduled first")
    func orderWithinAConversation() async throws {
        let lanes = ConversationLanes(limit: 8)
        let log = Log()
        var tickets: [ConversationLanes.Ticket] = []
        for _ in 0..<5 {
            await lanes.admit()
            tickets.append(await lanes.ticket(for: Self.ref("a")))
        }
        await withDiscardingTaskGroup { group in
            for (index, ticket) in tickets.enumerated().reversed() {
                group.addTask {
                    await lanes.wait(for: ticket)
                    await log.append("a\(index)")
                    await lanes.done(with: ticket)
                }
            }
        }
        #expect(await log.entries == ["a0", "a1", "a2", "a3", "a4"])
        #expect(await lanes.activeConversations == 0)
    }

    @Test("another conversation is not held up by a busy one")
    func conversationsRunInParallel() async throws {
        let lanes = ConversationLanes(limit: 8)
        await lanes.admit()
        let busy = await lanes.ticket(for: Self.ref("a"))
        await lanes.admit()
        let queued = await lanes.ticket(for: Self.ref("a"))
        await lanes.admit()
        let other = await lanes.ticket(for: Self.ref("b"))
        await lanes.wait(for: busy)
        // `busy` is still running: b goes at once, a's second message waits.
        try await withDeadline(5, "b is not held up by a") { await lanes.wait(for: other) }
        let waiting = Task { await lanes.wait(for: queued) }
        await lanes.done(with: other)
        await lanes.done(with: busy)
        try await withDeadline(5, "a's second message goes once the first is done") { await waiting.value }
        await lanes.done(with: queued)
        #expect(await lanes.activeConversations == 0)
    }

    @Test("admission stops at the limit and resumes as messages finish")
    func admissionIsBounded() async throws {
        let lanes = ConversationLanes(limit: 2)
        await lanes.admit()
        let first = await lanes.ticket(for: Self.ref("a"))
        await lanes.admit()
        let second = await lanes.ticket(for: Self.ref("b"))
        let admitted = Log()
        let third = Task {
            await lanes.admit()
            await admitted.append("third")
        }
        try await withDeadline(5, "the third admission waits") {
            while await lanes.pendingAdmissions == 0 { await Task.yield() }
        }
        #expect(await admitted.entries.isEmpty, "admitted beyond the limit")
        await lanes.done(with: first)
        try await withDeadline(5, "admitted after one finished") { await third.value }
        #expect(await admitted.entries == ["third"])
        await lanes.done(with: second)
    }
}
