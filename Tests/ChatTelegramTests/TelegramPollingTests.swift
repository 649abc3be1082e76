import ACPControlPlane
import AsyncHTTPClient
import ChatCore
@testable import ChatTelegram
import Foundation
import JSONKit
import TelegramFake
import Testing
import TestSupport

@Suite("telegram polling")
struct TelegramPollingTests {
    /// Runs `channel` (its poll loop) around `body`, then cancels it.
    func running<T: Sendable>(_ channel: TelegramChannel, _ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await channel.run(); return nil }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    @Test("the stored offset advances only after the router handled the update; the next poll confirms it")
    func offsetAfterHandling() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore.open(stateDir: dir)
            defer { try? store.close() }
            try await withFakeTelegram { fake, client in
                let channel = telegramChannel(fake, client, store: store)
                let id = await fake.state.enqueueText("hello", chat: forumChat, from: 111, topic: 42)
                try await running(channel) {
                    var inbound = channel.inbound.makeAsyncIterator()
                    let first = try #require(await inbound.next())
                    #expect(first.message.conversation.conversationId == "\(forumChat):topic:42")
                    #expect(first.message.text == "hello")
                    // Not handled yet: nothing stored, and no poll has confirmed it.
                    #expect(try store.cursor(channel: .telegram, accountId: "default") == nil)
                    #expect(await fake.state.confirmedBelow <= id)
                    first.complete(.ignored)
                    try await eventually("the cursor is stored") { try store.cursor(channel: .telegram, accountId: "default") == String(id + 1) }
                    try await eventually("the next poll confirms the update") { await fake.state.polledOffsets.contains(id + 1) }
                }
            }
        }
    }

    @Test("an update the router never handled is fetched again; a restart resumes from the stored offset")
    func unhandledIsRedelivered() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore.open(stateDir: dir)
            defer { try? store.close() }
            try await withFakeTelegram { fake, client in
                let first = await fake.state.enqueueText("one", chat: 111, from: 111)
                let channel = telegramChannel(fake, client, store: store)
                try await running(channel) {
                    var inbound = channel.inbound.makeAsyncIterator()
                    let got = try #require(await inbound.next())
                    got.complete(nil)   // not handled
                    let again = try #require(await inbound.next())
                    #expect(again.message.idempotencyKey == got.message.idempotencyKey)
                    again.complete(.ignored)
                    try await eventually("stored") { try store.cursor(channel: .telegram, accountId: "default") == String(first + 1) }
                }
                // A new channel over the same store starts at the stored offset.
                let second = await fake.state.enqueueText("two", chat: 111, from: 111)
                let restarted = telegramChannel(fake, client, store: store)
                try await running(restarted) {
                    var inbound = restarted.inbound.makeAsyncIterator()
                    let got = try #require(await inbound.next())
                    #expect(got.message.text == "two")
                    got.complete(.ignored)
                    try await eventually("stored") { try store.cursor(channel: .telegram, accountId: "default") == String(second + 1) }
                }
                #expect(await fake.state.polledOffsets.contains(first + 1))
            }
        }
    }

    @Test("a duplicated update yields the same idempotency key twice (the router starts one run)")
    func duplicateUpdateSameKey() async throws {
        try await withFakeTelegram { fake, client in
            await fake.state.duplicateNextUpdate()
            let id = await fake.state.enqueueText("run once", chat: forumChat, from: 111, topic: 43)
            let channel = telegramChannel(fake, client)
            try await running(channel) {
                var inbound = channel.inbound.makeAsyncIterator()
                let a = try #require(await inbound.next())
                let b = try #require(await inbound.next())
                #expect(a.message.idempotencyKey == String(id))
                #expect(b.message.idempotencyKey == a.message.idempotencyKey)
                a.complete(InboundOutcome(accepted: true))
                b.complete(InboundOutcome(accepted: true))
                try await eventually("the next poll confirms it") { await fake.state.polledOffsets.contains(id + 1) }
            }
        }
    }

    @Test("bot messages are skipped and confirmed; button presses are always answered")
    func botsAndButtons() async throws {
        try await withFakeTelegram { fake, client in
            let channel = telegramChannel(fake, client)
            let sent = try await channel.send(to: ConversationRef(channel: .telegram, conversationId: "\(forumChat):topic:42",
                                                                  parentConversationId: "\(forumChat)"),
                                              text: "allow?", buttons: [[ChatButton(label: "Allow", payload: "/acp allow 1")]],
                                              context: OutgoingContext(kind: .permission))
            await fake.state.enqueueText("from a bot", chat: forumChat, from: 5, topic: 42, isBot: true)
            let press = await fake.state.enqueue(["callback_query": JSONValue([
                "id": "q-1", "chat_instance": "x", "data": "/acp allow 1",
                "from": JSONValue(["id": 111, "is_bot": false, "first_name": "U"]),
                "message": JSONValue(["message_id": .int(Int64(sent.messageId)!), "date": 1, "message_thread_id": 42, "is_topic_message": true,
                                      "chat": JSONValue(["id": .int(forumChat), "type": "supergroup", "is_forum": true])]),
            ])])
            let unknown = await fake.state.enqueue(["callback_query": JSONValue([
                "id": "q-2", "chat_instance": "x", "data": "/acp allow 2",
                "from": JSONValue(["id": 333, "is_bot": false, "first_name": "V"]),
                "message": JSONValue(["message_id": .int(Int64(sent.messageId)!), "date": 1, "message_thread_id": 42, "is_topic_message": true,
                                      "chat": JSONValue(["id": .int(forumChat), "type": "supergroup", "is_forum": true])]),
            ])])
            try await running(channel) {
                var inbound = channel.inbound.makeAsyncIterator()
                let first = try #require(await inbound.next())
                #expect(first.message.buttonPayload == "/acp allow 1")
                #expect(first.message.idempotencyKey == String(press))
                #expect(first.message.conversation.conversationId == "\(forumChat):topic:42")
                first.complete(InboundOutcome(accepted: true))
                let second = try #require(await inbound.next())
                #expect(second.message.senderId == "333")
                second.complete(.ignored)
                try await eventually("both presses answered") { await fake.state.answeredQueries.count == 2 }
                let answers = await fake.state.answeredQueries
                #expect(answers["q-1"] == .some(nil))
                #expect(answers["q-2"] == .some("Not allowed."))
                try await eventually("confirmed") { await fake.state.polledOffsets.contains(unknown + 1) }
            }
        }
    }

    @Test("getMe comes first: a command addressed to this bot arrives without its @name")
    func getMeThenCommands() async throws {
        try await withFakeTelegram { fake, client in
            await fake.state.enqueueText("/acp@fake_bot status", chat: forumChat, from: 111, topic: 42)
            let channel = telegramChannel(fake, client)
            try await running(channel) {
                var inbound = channel.inbound.makeAsyncIterator()
                let got = try #require(await inbound.next())
                #expect(got.message.text == "/acp status")
                got.complete(.ignored)
            }
            #expect(await fake.state.calls.first == "getMe")
            // Then the client's menu: /acp, /new, /reset.
            #expect(await fake.state.menuCommands == ["acp", "new", "reset"])
            #expect(await fake.state.calls.prefix(2) == ["getMe", "setMyCommands"])
        }
    }

    @Test("a rejected token stops polling that account without throwing")
    func unauthorized() async throws {
        try await withFakeTelegram { fake, client in
            let channel = TelegramChannel(accountId: "default",
                                          api: TelegramBotAPI(apiRoot: fake.apiRoot, token: "1:wrong", client: client))
            try await running(channel) {
                try await eventually("unauthorized") { channel.pollState == .unauthorized }
                #expect(channel.isAcceptingInbound)
            }
        }
    }

    @Test("output goes to its topic only; General omits message_thread_id; a long text is refused by the fake")
    func sendTargets() async throws {
        try await withFakeTelegram { fake, client in
            let channel = telegramChannel(fake, client)
            let topic = ConversationRef(channel: .telegram, conversationId: "\(forumChat):topic:43", parentConversationId: "\(forumChat)")
            let general = ConversationRef(channel: .telegram, conversationId: "\(forumChat):topic:1", parentConversationId: "\(forumChat)")
            _ = try await channel.send(to: topic, text: "in 43", buttons: [], context: OutgoingContext(kind: .reply))
            _ = try await channel.send(to: general, text: "in General", buttons: [], context: OutgoingContext(kind: .reply))
            #expect(await fake.state.messages(chat: forumChat, thread: 43).map(\.text) == ["in 43"])
            #expect(await fake.state.messages(chat: forumChat, thread: nil).map(\.text) == ["in General"])
            #expect(await fake.state.messages(chat: forumChat, thread: 42).isEmpty)
            let unknownTopic = ConversationRef(channel: .telegram, conversationId: "\(forumChat):topic:77", parentConversationId: "\(forumChat)")
            await #expect(throws: ChannelError.permanent("Telegram answered 400: Bad Request: message thread not found")) {
                try await channel.send(to: unknownTopic, text: "x", buttons: [], context: OutgoingContext(kind: .reply))
            }
        }
    }
}

@Suite("telegram poll failures")
struct TelegramPollFailureTests {
    @Test("409 Conflict, 5xx and 429 on getUpdates put the account in backoff, then polling resumes and delivers")
    func pollFailuresRecover() async throws {
        try await withFakeTelegram { fake, client in
            await fake.state.injectPollFailure(status: 409, description: "Conflict: terminated by other getUpdates request")
            await fake.state.injectPollFailure(status: 502, description: "Bad Gateway")
            await fake.state.injectPollFailure(status: 429, description: "Too Many Requests: retry after 1", retryAfter: 1)
            await fake.state.enqueueText("after the storm", chat: 111, from: 111)
            let channel = telegramChannel(fake, client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await channel.run() }
                defer { group.cancelAll() }
                var inbound = channel.inbound.makeAsyncIterator()
                let got = try #require(await inbound.next())
                #expect(got.message.text == "after the storm")
                got.complete(.ignored)
                #expect(channel.pollState == .polling)
                #expect(await fake.state.calls.filter { $0 == "getUpdates" }.count >= 4)
            }
        }
    }

    @Test("a send to a Bot API nobody listens on is transient (nothing left), not an unknown outcome")
    func unreachableIsTransient() async throws {
        let client = TelegramBotAPI.makeHTTPClient()
        let port = try closedPort()
        let channel = TelegramChannel(accountId: "default",
                                      api: TelegramBotAPI(apiRoot: "http://127.0.0.1:\(port)", token: testToken, client: client,
                                                          requestTimeout: .seconds(5)))
        do {
            _ = try await channel.send(to: ConversationRef(channel: .telegram, conversationId: "111"), text: "x", buttons: [],
                                       context: OutgoingContext(kind: .reply))
            Issue.record("the send succeeded")
        } catch let error as ChannelError {
            guard case .transient = error else { Issue.record("expected transient, got \(error)"); return }
        }
        try await client.shutdown()
    }

    /// A port on 127.0.0.1 that was bound and released (nothing listens on it now).
    func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

@Suite("telegram forum topics")
struct TelegramTopicTests {
    @Test("a topic is created in the forum of a topic parent, posted into and deleted; without the right the error names can_manage_topics")
    func createAndRemove() async throws {
        try await withFakeTelegram { fake, client in
            let channel = telegramChannel(fake, client)
            let inTopic = ConversationRef(channel: .telegram, conversationId: "\(forumChat):topic:42", parentConversationId: "\(forumChat)")
            let created = try await channel.createThread(in: inTopic, title: "  " + String(repeating: "t", count: 300))
            #expect(created.parentConversationId == "\(forumChat)")
            let topic = try #require(Int64(created.conversationId.split(separator: ":").last ?? ""))
            #expect(await fake.state.topics(of: forumChat).contains(topic))
            _ = try await channel.send(to: created, text: "inside", buttons: [], context: OutgoingContext(kind: .notice))
            #expect(await fake.state.messages(chat: forumChat, thread: topic).map(\.text) == ["inside"])
            try await channel.removeThread(created)
            #expect(await !fake.state.topics(of: forumChat).contains(topic))
            await fake.state.denyTopicRights(in: forumChat)
            do {
                _ = try await channel.createThread(in: inTopic, title: "x")
                Issue.record("created without the right")
            } catch let error as ChannelError {
                guard case .permanent(let message) = error, message.contains("can_manage_topics") else {
                    Issue.record("\(error)"); return
                }
            }
            let privateChat = ConversationRef(channel: .telegram, conversationId: "111")
            await #expect(throws: ChannelError.permanent("Telegram answered 400: Bad Request: the chat is not a forum")) {
                _ = try await channel.createThread(in: privateChat, title: "x")
            }
        }
    }
}
