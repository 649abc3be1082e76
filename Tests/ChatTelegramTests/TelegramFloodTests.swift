import ACPControlPlane
import AsyncHTTPClient
import ChatCore
@testable import ChatTelegram
import Foundation
import TelegramFake
import Testing
import TestSupport

/// Telegram's flood limits against the fake's flood model (which answers 429 like Telegram and
/// records every call made before a `retry_after` passed), through real send queues.
@Suite("telegram flood limits")
struct TelegramFloodTests {
    func topic(_ id: Int64) -> ConversationRef {
        ConversationRef(channel: .telegram, conversationId: "\(forumChat):topic:\(id)", parentConversationId: "\(forumChat)")
    }

    /// A channel whose budget is `chatInterval` per chat and `groupLimit` per `groupWindow`.
    func channel(_ fake: TelegramFakeServer, _ client: HTTPClient, chatInterval: Duration, groupLimit: Int,
                 groupWindow: Duration) -> TelegramChannel {
        TelegramChannel(accountId: "default", api: TelegramBotAPI(apiRoot: fake.apiRoot, token: testToken, client: client),
                        options: .init(pollTimeoutSeconds: 1, chatInterval: chatInterval, groupLimit: groupLimit,
                                       groupWindow: groupWindow))
    }

    @Test("six topics of one forum streaming at once: no 429, every final text arrives once, stale edits are dropped")
    func topicsShareOneBudget() async throws {
        try await withFakeTelegram { fake, client in
            let topics = Array(Int64(50)..<56)
            await fake.state.addForum(forumChat, topics: Set(topics))
            // The limits, scaled down so the test is quick: 5 calls per 2 s, 700 ms apart, with
            // margins (the channel books 900 ms and 5 per 3.5 s; the fake counts a gap under 210 ms
            // and forgives calls in flight for 1 s) so that scheduling stalls of a loaded test
            // run never look like a flood. Without the shared budget the 12 calls would come
            // within a second. (docs/benchmarks.md measures 10 topics at Telegram's real limits.)
            await fake.state.enforceFloodLimits(FakeFloodLimits(chatInterval: .milliseconds(700), groupLimit: 5,
                                                                groupWindow: .seconds(2), tolerance: 0.7,
                                                                inFlightGrace: .seconds(1)))
            let channel = channel(fake, client, chatInterval: .milliseconds(900), groupLimit: 5, groupWindow: .milliseconds(3500))
            let queues = topics.map { id in
                ConversationSendQueue(conversation: topic(id), channel: channel, checkpoint: { _, _ in })
            }
            let edits = 20
            try await withThrowingTaskGroup(of: Void.self) { group in
                for queue in queues { group.addTask { await queue.run() } }
                // Each run: its first message, an edit every 50 ms, then its final text.
                let runs = queues.map { _ in RunID() }
                for (queue, run) in zip(queues, runs) {
                    queue.enqueue(runId: run, [DeliveryOperation(.send, slot: 0, text: "working")])
                }
                for step in 1...edits {
                    try await Task.sleep(for: .milliseconds(50))
                    for (queue, run) in zip(queues, runs) {
                        queue.enqueue(runId: run, [DeliveryOperation(.edit, slot: 0, text: "working \(step)")])
                    }
                }
                for (index, (queue, run)) in zip(queues, runs).enumerated() {
                    queue.enqueue(runId: run, [DeliveryOperation(.edit, slot: 0, text: "done \(topics[index])", isFinal: true)])
                    queue.finish()
                }
                try await group.waitForAll()
            }
            let report = await fake.state.floodReport
            #expect(report.rateLimited == 0)
            #expect(report.ignoredRetryAfter == 0)
            for id in topics {
                let messages = await fake.state.messages(chat: forumChat, thread: id)
                #expect(messages.map(\.text) == ["done \(id)"], "topic \(id)")
            }
            // 6 runs × (1 send + 20 edits + 1 final) operations; far fewer calls reach Telegram.
            let calls = await fake.state.calls.filter { $0 == "sendMessage" || $0 == "editMessageText" }.count
            #expect(calls < topics.count * (edits + 2) / 2, "\(calls) calls")
        }
    }

    @Test("a 429 from Telegram holds the whole chat for its retry_after: no call into it before the wait passed")
    func retryAfterHoldsTheChat() async throws {
        try await withFakeTelegram { fake, client in
            // The fake allows one call per 3 s per chat; the channel is told 10 ms, so it is
            // flood-limited at once and must then hold every topic of the chat for the wait.
            // (A call that left before the client could have read the 429, up to 2 s on a loaded
            // test run, is not counted as ignoring it; one in the last second of the wait is.)
            await fake.state.enforceFloodLimits(FakeFloodLimits(chatInterval: .seconds(3), groupLimit: 100,
                                                                inFlightGrace: .seconds(2)))
            let channel = channel(fake, client, chatInterval: .milliseconds(10), groupLimit: 100, groupWindow: .seconds(60))
            let queues = [42, 43].map { id in
                ConversationSendQueue(conversation: topic(Int64(id)), channel: channel, checkpoint: { _, _ in })
            }
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for queue in queues { group.addTask { await queue.run() } }
                for (index, queue) in queues.enumerated() {
                    queue.enqueueMessage([DeliveryOperation(.send, slot: 0, text: "one \(index)")])
                    queue.enqueueMessage([DeliveryOperation(.send, slot: 0, text: "two \(index)")])
                    queue.finish()
                }
                try await group.waitForAll()
            }
            let report = await fake.state.floodReport
            #expect(report.rateLimited >= 1)
            #expect(report.ignoredRetryAfter == 0)
            #expect(await fake.state.messages(chat: forumChat, thread: 42).map(\.text) == ["one 0", "two 0"])
            #expect(await fake.state.messages(chat: forumChat, thread: 43).map(\.text) == ["one 1", "two 1"])
            // Four messages 3 s apart (at least one retry_after of 3 s waited out).
            #expect(ContinuousClock.now - started >= .seconds(2))
        }
    }

    @Test("typing is shown in the run's topic (General without a thread id) and never while the chat is held")
    func typing() async throws {
        try await withFakeTelegram { fake, client in
            let channel = channel(fake, client, chatInterval: .milliseconds(10), groupLimit: 100, groupWindow: .seconds(60))
            await channel.showActivity(in: topic(42))
            await channel.showActivity(in: topic(1))
            await channel.pacer.hold(forumChat, for: .seconds(30))
            await channel.showActivity(in: topic(43))
            let actions = await fake.state.chatActions
            #expect(actions.map(\.thread) == [42, nil])
            #expect(actions.allSatisfy { $0.chat == forumChat && $0.action == "typing" })
        }
    }
}
