import ACPControlPlane
import Foundation
import TelegramFake
import Testing
import TestSupport

/// `/acp spawn --thread auto` through `acpd run` against the fake Bot API: a new forum topic,
/// bound, answered there; no right → a clear error and nothing left; an agent that cannot start
/// → its topic deleted.
extension TelegramE2ETests {
    /// `config(apiRoot:)` plus agent `broken`, whose command does not exist.
    static func spawnConfig(apiRoot: String) -> String {
        config(apiRoot: apiRoot).replacingOccurrences(
            of: "bindings:\n", with: "  broken:\n    command: [\"/nonexistent/acpd-test-agent\"]\n    cwd: ./workspace\nbindings:\n")
    }

    /// Waits until a message of `chat`/`thread` contains `text`; returns it.
    static func message(_ fake: TelegramFakeServer, chat: Int64, thread: Int64?, containing text: String,
                        _ log: @escaping @Sendable () -> String) async throws -> FakeMessage {
        try await withDeadline(30, "a message containing \"\(text)\" in \(chat)/\(thread.map(String.init) ?? "-")") {
            while true {
                if let found = await fake.state.messages(chat: chat, thread: thread).first(where: { $0.text.contains(text) }) {
                    return found
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// `from`: the topic the spawn is typed in (nil: General, which takes no thread id).
    @Test("/acp spawn --thread auto in a forum topic or General creates a topic named after the label, binds it, and a prompt there is answered there only",
          arguments: [Int64(42), nil])
    func spawnIntoNewTopic(from origin: Int64?) async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42])
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.spawnConfig(apiRoot: fake.apiRoot))
                await fake.state.enqueueText("/acp spawn demo --thread auto --label x", chat: Self.forum, from: 111, topic: origin)
                let reply = try await Self.message(fake, chat: Self.forum, thread: origin, containing: "spawned", { daemon.log })
                #expect(reply.text.hasPrefix("OK:"), "\(reply.text)")
                let created = try #require(await fake.state.topics(of: Self.forum).subtracting([42]).first, "a topic was created")
                #expect(await fake.state.createdTopicNames[created] == "x")
                #expect(reply.text.contains("bound to telegram:default:\(Self.forum):topic:\(created)"), "\(reply.text)")
                let bound = try daemon.withStore { try $0.bindings(source: .runtime) }
                #expect(bound.map(\.conversation.conversationId) == ["\(Self.forum):topic:\(created)"], "\(bound)")

                await fake.state.enqueueText("hello new topic", chat: Self.forum, from: 111, topic: created)
                _ = try await Self.message(fake, chat: Self.forum, thread: created, containing: "echo: hello new topic", { daemon.log })
                let all = await fake.state.allMessages
                #expect(all.filter { $0.text.contains("hello new topic") }.allSatisfy { $0.threadId == created }, "\(all)")
                #expect(all.allSatisfy { $0.threadId == origin || $0.threadId == created }, "only the reply where the spawn was typed: \(all)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    @Test("/acp spawn --thread auto without the can_manage_topics right answers ERROR naming the right and leaves no session, binding or topic")
    func spawnWithoutTopicRight() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42])
                await fake.state.denyTopicRights(in: Self.forum)
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.spawnConfig(apiRoot: fake.apiRoot))
                let sessionsBefore = try daemon.sessionCount()
                await fake.state.enqueueText("/acp spawn demo --thread auto --label x", chat: Self.forum, from: 111, topic: 42)
                let reply = try await Self.message(fake, chat: Self.forum, thread: 42, containing: "ERROR", { daemon.log })
                #expect(reply.text.hasPrefix("ERROR:") && reply.text.contains("can_manage_topics"), "\(reply.text)")
                #expect(await fake.state.topics(of: Self.forum) == [42])
                #expect(try daemon.sessionCount() == sessionsBefore)
                #expect(try daemon.withStore { try $0.bindings(source: .runtime) }.isEmpty)
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    @Test("a spawn whose agent fails to start after its topic was created deletes the topic and answers ERROR")
    func failedSpawnDeletesItsTopic() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42])
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.spawnConfig(apiRoot: fake.apiRoot))
                let sessionsBefore = try daemon.sessionCount()
                await fake.state.enqueueText("/acp spawn broken --thread auto --label y", chat: Self.forum, from: 111, topic: 42)
                let reply = try await Self.message(fake, chat: Self.forum, thread: 42, containing: "ERROR", { daemon.log })
                // The topic was made (the fake saw it), then deleted.
                #expect(await fake.state.createdTopicNames.values.contains("y"), "\(reply.text)")
                #expect(await fake.state.topics(of: Self.forum) == [42])
                #expect(await fake.state.calls.contains("deleteForumTopic"))
                #expect(try daemon.sessionCount() == sessionsBefore)
                #expect(try daemon.withStore { try $0.bindings(source: .runtime) }.isEmpty)
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }
}
