import Foundation
import TelegramFake
import Testing
import TestSupport

/// `acpd run` with a Telegram account whose `apiRoot` is the fake Bot API.
@Suite("telegram end to end")
struct TelegramE2ETests {
    static let token = "123456:E2E-token"
    static let forum: Int64 = -1_001_234_567_890

    static func config(apiRoot: String) -> String {
        """
        acp:
          defaultAgent: demo
        \(E2EConfig.demoAgent)
        bindings:
          - type: acp
            agentId: demo
            match: { channel: telegram, peer: { kind: group, id: "\(forum):topic:42" } }
        channels:
          telegram:
            accounts:
              default: { botToken: "\(token)", apiRoot: "\(apiRoot)", pollTimeoutSeconds: 1 }
              revoked: { botToken: "654321:REVOKED-token", apiRoot: "\(apiRoot)", pollTimeoutSeconds: 1 }
              off: { botToken: "777:OFF-token", apiRoot: "\(apiRoot)", enabled: false }
        access:
          owners: ["telegram:111"]
        """
    }

    /// Account `revoked` has a token the fake rejects and `off` is disabled: neither stops the
    /// daemon nor account `default` (ARCHITECTURE.md: one failing chat account never stops another).
    @Test("a message in a bound forum topic gets the demo agent's answer in that topic only; a duplicated update starts one run; a rejected account stops nothing else")
    func boundTopicAnswersInTopic() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42, 43])
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiRoot: fake.apiRoot))
                await fake.state.duplicateNextUpdate()
                let update = await fake.state.enqueueText("hello topic", chat: Self.forum, from: 111, topic: 42)
                try await withDeadline(30, "the answer in topic 42\n\(daemon.log)") {
                    while await !fake.state.messages(chat: Self.forum, thread: 42).contains(where: { $0.text.contains("echo: hello topic") }) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                // Everything the bot sent went to topic 42; nothing to General or topic 43.
                let all = await fake.state.allMessages
                #expect(all.allSatisfy { $0.chatId == Self.forum && $0.threadId == 42 }, "\(all)")
                try await withDeadline(10, "the offset is confirmed") {
                    while await !fake.state.polledOffsets.contains(update + 1) { try await Task.sleep(for: .milliseconds(50)) }
                }
                try await withDeadline(10, "account revoked logs its rejected token") {
                    while !daemon.log.contains("Telegram rejected the bot token") { try await Task.sleep(for: .milliseconds(50)) }
                }
                let (_, metrics) = try await daemon.request("GET", "/metrics")
                let exposition = String(decoding: metrics, as: UTF8.self)
                #expect(exposition.contains(#"acpd_channel_up{channel="telegram",account="default"} 1"#), "\(exposition)")
                #expect(exposition.contains(#"acpd_channel_up{channel="telegram",account="revoked"} 0"#), "\(exposition)")
                #expect(exposition.contains(#"acpd_channel_requests_total{channel="telegram",method="sendMessage",result="ok"}"#), "\(exposition)")
                let log = daemon.log
                #expect(log.components(separatedBy: "Telegram rejected the bot token").count == 2, "one error line for account revoked:\n\(log)")
                #expect(!log.contains("654321:REVOKED-token"), "a token was logged")
                #expect(log.contains("telegram account disabled in config"), "\(log)")
                // A graceful stop ends the pollers, drains delivery and exits 0.
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                #expect(try daemon.runCount() == 1)
            }
        }
    }

    @Test("a permission prompt shows buttons in its topic; a press answers the agent and the callback query; a second press gets a private notice, nothing posted")
    func buttonRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42, 43])
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiRoot: fake.apiRoot))
                await fake.state.enqueueText("[permission] may I", chat: Self.forum, from: 111, topic: 42)
                let prompt = try await withDeadline(30, "a message with buttons in topic 42\n\(daemon.log)") {
                    while true {
                        if let found = await fake.state.messages(chat: Self.forum, thread: 42).first(where: { !$0.buttons.isEmpty }) { return found }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let button = try #require(prompt.buttons.first?.first)
                #expect(button.callbackData.utf8.count <= 64)
                await fake.state.enqueuePress("press-1", data: button.callbackData, from: 111, chat: Self.forum, messageId: prompt.messageId, topic: 42)
                try await withDeadline(30, "the agent's answer after the press\n\(daemon.log)") {
                    while await !fake.state.messages(chat: Self.forum, thread: 42).contains(where: { $0.text.contains("permission: selected") }) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                try await withDeadline(10, "the press is answered") {
                    while await fake.state.answeredQueries["press-1"] == nil { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(await fake.state.answeredQueries["press-1"] == .some(nil), "answered without a complaint")
                // A second press of the same button (a double tap, or later on the old message).
                await fake.state.enqueuePress("press-2", data: button.callbackData, from: 111, chat: Self.forum, messageId: prompt.messageId, topic: 42)
                try await withDeadline(10, "the second press is answered") {
                    while await fake.state.answeredQueries["press-2"] == nil { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(await fake.state.answeredQueries["press-2"] == .some("This request was already answered."))
                #expect(await fake.state.messages(chat: Self.forum, thread: 42).allSatisfy { !$0.text.contains("ERROR") })
                // The answered prompt is edited: its keyboard is removed.
                try await withDeadline(10, "the prompt's keyboard is removed") {
                    while await fake.state.messages(chat: Self.forum, thread: 42).first(where: { $0.messageId == prompt.messageId })?.buttons.isEmpty != true {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let all = await fake.state.allMessages
                #expect(all.allSatisfy { $0.chatId == Self.forum && $0.threadId == 42 }, "\(all)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    @Test("the demo agent's Markdown answer arrives formatted in its topic: bold, inline code and a pre block with its language as entities")
    func markdownAnswerFormatted() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42, 43])
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiRoot: fake.apiRoot))
                // The demo agent echoes the prompt: "echo: <prompt>", Markdown included.
                await fake.state.enqueueText("**bold** and `code`\n```swift\nlet x = 1\n```", chat: Self.forum, from: 111, topic: 42)
                let expected = "echo: bold and code\nlet x = 1"
                let message = try await withDeadline(30, "the formatted answer in topic 42\n\(daemon.log)") {
                    while true {
                        if let found = await fake.state.messages(chat: Self.forum, thread: 42).first(where: { $0.text == expected }) { return found }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(message.entities == [
                    FakeEntity(type: "bold", offset: 6, length: 4),
                    FakeEntity(type: "code", offset: 15, length: 4),
                    FakeEntity(type: "pre", offset: 20, length: 9, language: "swift"),
                ])
                // No request was refused for its formatting on the way (streamed edits included).
                #expect(!daemon.log.contains("refused the message's formatting"), "\(daemon.log)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    @Test("General (no thread id) and a non-forum group's reply thread each route to their own binding and are answered there")
    func generalAndReplyThreads() async throws {
        let group: Int64 = -2_002
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42])
                let config = Self.config(apiRoot: fake.apiRoot).replacingOccurrences(of: "channels:\n", with: """
                  - type: acp
                    agentId: demo
                    match: { channel: telegram, peer: { kind: group, id: "\(Self.forum):topic:1" } }
                  - type: acp
                    agentId: demo
                    match: { channel: telegram, peer: { kind: group, id: "\(group)" } }
                channels:

                """)
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                await fake.state.enqueueText("in general", chat: Self.forum, from: 111)
                // A reply in a non-forum group carries message_thread_id, which is not a topic.
                await fake.state.enqueue(["message": [
                    "message_id": 9, "date": 1, "message_thread_id": 5, "text": "in the group",
                    "chat": ["id": .int(group), "type": "supergroup", "is_forum": false],
                    "from": ["id": 111, "is_bot": false, "first_name": "Owner"],
                ]])
                try await withDeadline(30, "both answers\n\(daemon.log)") {
                    while true {
                        let general = await fake.state.messages(chat: Self.forum, thread: nil)
                        let inGroup = await fake.state.messages(chat: group, thread: nil)
                        if general.contains(where: { $0.text.contains("echo: in general") }),
                           inGroup.contains(where: { $0.text.contains("echo: in the group") }) { return }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let all = await fake.state.allMessages
                #expect(all.allSatisfy { $0.threadId == nil }, "General and the group are answered without a thread id: \(all)")
                #expect(!all.contains { $0.chatId == Self.forum && $0.text.contains("in the group") })
                #expect(!all.contains { $0.chatId == group && $0.text.contains("in general") })
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }

    @Test("a document with a caption reaches the agent as a file in <cwd>/.acpd/inbox; a file over 20 MB gets a clear reply and starts nothing")
    func attachments() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42, 43])
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiRoot: fake.apiRoot))
                await fake.state.duplicateNextUpdate()
                await fake.state.enqueueDocument(Array("hello from chat".utf8), name: "notes.txt", mimeType: "text/plain",
                                                 caption: "read this", chat: Self.forum, from: 111, topic: 42)
                let answer = try await withDeadline(30, "the agent's answer naming the saved file\n\(daemon.log)") {
                    while true {
                        if let found = await fake.state.messages(chat: Self.forum, thread: 42).first(where: { $0.text.contains("echo: read this") }) {
                            return found.text
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let inbox = dir.appendingPathComponent("workspace/.acpd/inbox")
                let saved = try FileManager.default.contentsOfDirectory(atPath: inbox.path).filter { $0 != ".gitignore" }
                #expect(saved.count == 1, "the duplicated update saved once: \(saved)")
                let name = try #require(saved.first)
                #expect(name.hasSuffix("-notes.txt"))
                #expect(FileManager.default.contents(atPath: inbox.appendingPathComponent(name).path) == Data("hello from chat".utf8))
                #expect(answer.contains("[resource_link file://"), "\(answer)")
                #expect(answer.contains("/workspace/.acpd/inbox/\(name)]"), "\(answer)")
                #expect(await fake.state.downloads.count == 1)

                await fake.state.enqueueDocument([1, 2, 3], name: "huge.iso", caption: "and this", chat: Self.forum, from: 111, topic: 42,
                                                 declaredSize: 25 << 20)
                try await withDeadline(30, "the too-big reply\n\(daemon.log)") {
                    while await !fake.state.messages(chat: Self.forum, thread: 42).contains(where: {
                        $0.text.hasPrefix("ERROR: huge.iso is 25 MB; files from chat can be at most 20 MB, so nothing was sent to the agent")
                    }) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(await fake.state.downloads.count == 1)
                #expect(await !fake.state.allMessages.contains { $0.text.contains("echo: and this") })
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                #expect(try daemon.runCount() == 1)
            }
        }
    }
}
