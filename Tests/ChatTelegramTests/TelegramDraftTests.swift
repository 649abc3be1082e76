import ACPControlPlane
import AsyncHTTPClient
import ChatCore
@testable import ChatTelegram
import Foundation
import TelegramFake
import Testing
import TestSupport

/// `drafts: true`: runs in private chats stream with `sendMessageDraft` and end with one
/// `sendMessage`, through a real send queue against the fake.
@Suite("telegram drafts")
struct TelegramDraftTests {
    let user: Int64 = 4242

    func channel(_ fake: TelegramFakeServer, _ client: HTTPClient, drafts: Bool = true) -> TelegramChannel {
        TelegramChannel(accountId: "default", api: TelegramBotAPI(apiRoot: fake.apiRoot, token: testToken, client: client),
                        options: .init(pollTimeoutSeconds: 1, chatInterval: .milliseconds(10), drafts: drafts))
    }

    /// Runs `operations` of one run through a send queue into `conversation`.
    func stream(_ channel: TelegramChannel, to conversation: ConversationRef, _ batches: [[DeliveryOperation]]) async {
        let queue = ConversationSendQueue(conversation: conversation, channel: channel, checkpoint: { _, _ in })
        let run = RunID()
        let task = Task { await queue.run() }
        for (index, batch) in batches.enumerated() {
            queue.enqueue(runId: run, batch)
            // One batch at a time, each applied before the next arrives (a slow stream): the
            // queue would drop a backlog's stale edits.
            while await queue.activity.appliedBatches <= index { try? await Task.sleep(for: .milliseconds(10)) }
        }
        queue.finish()
        await task.value
    }

    @Test("a run in a private chat streams as one animated draft and is sent once, for good, with its final text")
    func privateChatStreamsAsDraft() async throws {
        try await withFakeTelegram { fake, client in
            await fake.state.addChat(user)
            let conversation = ConversationRef(channel: .telegram, conversationId: "\(user)")
            await stream(channel(fake, client), to: conversation, [
                [DeliveryOperation(.send, slot: 0, text: "Working")],
                [DeliveryOperation(.edit, slot: 0, text: "Working on **it**")],
                [DeliveryOperation(.edit, slot: 0, text: "Done: **it** works", isFinal: true)],
            ])
            let drafts = await fake.state.drafts
            #expect(drafts.map(\.text) == ["Working", "Working on it"])
            #expect(Set(drafts.map(\.draftId)).count == 1, "one draft, animated")
            let sent = await fake.state.messages(chat: user, thread: nil)
            #expect(sent.map(\.text) == ["Done: it works"])
            #expect(sent.first?.entities.map(\.type) == ["bold"])
            #expect(await !fake.state.calls.contains("editMessageText"))
        }
    }

    @Test("a run longer than one message: each finished part is sent for good in order, the last with the final text")
    func multiPart() async throws {
        try await withFakeTelegram { fake, client in
            await fake.state.addChat(user)
            let conversation = ConversationRef(channel: .telegram, conversationId: "\(user)")
            await stream(channel(fake, client), to: conversation, [
                [DeliveryOperation(.send, slot: 0, text: "part one")],
                [DeliveryOperation(.edit, slot: 0, text: "part one, full"), DeliveryOperation(.send, slot: 1, text: "part two")],
                [DeliveryOperation(.edit, slot: 1, text: "part two, done", isFinal: true)],
            ])
            #expect(await fake.state.messages(chat: user, thread: nil).map(\.text) == ["part one, full", "part two, done"])
            #expect(Set(await fake.state.drafts.map(\.draftId)).count == 2)
        }
    }

    @Test("groups and forum topics never use drafts; with drafts off, private chats edit in place")
    func onlyPrivateChats() async throws {
        try await withFakeTelegram { fake, client in
            await fake.state.addChat(user)
            let topic = ConversationRef(channel: .telegram, conversationId: "\(forumChat):topic:42", parentConversationId: "\(forumChat)")
            await stream(channel(fake, client), to: topic, [
                [DeliveryOperation(.send, slot: 0, text: "a")],
                [DeliveryOperation(.edit, slot: 0, text: "ab", isFinal: true)],
            ])
            let direct = ConversationRef(channel: .telegram, conversationId: "\(user)")
            await stream(channel(fake, client, drafts: false), to: direct, [
                [DeliveryOperation(.send, slot: 0, text: "x")],
                [DeliveryOperation(.edit, slot: 0, text: "xy", isFinal: true)],
            ])
            #expect(await fake.state.drafts.isEmpty)
            #expect(await fake.state.messages(chat: forumChat, thread: 42).map(\.text) == ["ab"])
            #expect(await fake.state.messages(chat: user, thread: nil).map(\.text) == ["xy"])
            #expect(await fake.state.calls.filter { $0 == "editMessageText" }.count == 2)
        }
    }
}
