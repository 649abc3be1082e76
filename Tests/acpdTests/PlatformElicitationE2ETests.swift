import Foundation
import DiscordFake
import TelegramFake
import Testing
import TestSupport

/// The agent's question (elicitation) through the fake Bot API: a form in a forum topic with
/// inline buttons within Telegram's 64-byte callback data, a choice pressed (the message edited
/// with the choice marked), the text field answered by the next plain message, the form sent to
/// the agent, everything in the topic it came from.
@Suite("telegram elicitation end to end")
struct TelegramElicitationE2ETests {
    static let forum = TelegramE2ETests.forum

    @Test("a form: buttons in its topic, a press records the choice, the next message answers the text field, the agent gets the form")
    func formByButtonAndMessage() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: TelegramE2ETests.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42, 43])
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token",
                                                           config: TelegramE2ETests.config(apiRoot: fake.apiRoot))
                await fake.state.enqueueText("deploy [elicit]", chat: Self.forum, from: 111, topic: 42)
                let form = try await withDeadline(30, "the question with buttons in topic 42\n\(daemon.log)") {
                    while true {
                        if let found = await fake.state.messages(chat: Self.forum, thread: 42)
                            .first(where: { $0.text.contains("Question from the agent") && !$0.buttons.isEmpty }) { return found }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(form.text.contains("Reason [reason]") && form.text.contains("Reply with the Reason"), "\(form.text)")
                let buttons = form.buttons.flatMap { $0 }
                #expect(buttons.allSatisfy { $0.callbackData.utf8.count <= 64 }, "\(buttons)")
                let production = try #require(buttons.first { $0.text == "Production" }, "\(buttons)")
                await fake.state.enqueuePress("press-env", data: production.callbackData, from: 111, chat: Self.forum, messageId: form.messageId, topic: 42)
                try await withDeadline(15, "the press is answered and the choice marked\n\(daemon.log)") {
                    while true {
                        let now = await fake.state.messages(chat: Self.forum, thread: 42).first { $0.messageId == form.messageId }
                        if await fake.state.answeredQueries["press-env"] != nil,
                           now?.buttons.flatMap({ $0 }).contains(where: { $0.text == "✓ Production" }) == true { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(await fake.state.answeredQueries["press-env"] == .some(nil), "answered without a complaint")
                // The next plain message of someone who may answer is the Reason.
                await fake.state.enqueueText("ship it now", chat: Self.forum, from: 111, topic: 42)
                try await withDeadline(30, "the agent gets the form\n\(daemon.log)") {
                    while await !fake.state.messages(chat: Self.forum, thread: 42).contains(where: {
                        $0.text.contains("elicitation: accept dry_run=false env=production reason=ship it now")
                    }) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                // The question ends answered, its buttons gone; nothing went anywhere else, no error.
                try await withDeadline(10, "the question loses its buttons") {
                    while await fake.state.messages(chat: Self.forum, thread: 42).first(where: { $0.messageId == form.messageId })?.buttons.isEmpty != true {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let all = await fake.state.allMessages
                #expect(all.allSatisfy { $0.chatId == Self.forum && $0.threadId == 42 }, "\(all)")
                #expect(all.allSatisfy { !$0.text.contains("ERROR") }, "\(all.map(\.text))")
                // "ship it now" answered the question: it started no run of its own.
                #expect(try daemon.runCount() == 1)
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }
}

/// The same form through the fake Discord: buttons (custom ids within Discord's 100 characters),
/// a press acknowledged within 3 s records the choice, the next message answers the text field.
@Suite("discord elicitation end to end")
struct DiscordElicitationE2ETests {
    @Test("a form: buttons in its channel, a press records the choice, the next message answers the text field, the agent gets the form")
    func formByButtonAndMessage() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: DiscordE2ETests.token) { fake in
                let general = fake.state.generalChannel
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token",
                                                           config: DiscordE2ETests.config(apiBase: fake.apiBase, channel: general))
                try await withDeadline(30, "connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                await fake.state.postMessage("deploy [elicit]", in: general, from: DiscordE2ETests.owner)
                let form = try await withDeadline(30, "the question with buttons\n\(daemon.log)") {
                    while true {
                        if let found = await fake.state.messages(in: general)
                            .first(where: { $0.content.contains("Question from the agent") && !$0.buttons.isEmpty }) { return found }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let buttons = form.buttons.flatMap { $0 }
                #expect(buttons.allSatisfy { $0.customId.count <= 100 }, "\(buttons)")
                let production = try #require(buttons.first { $0.label == "Production" }, "\(buttons)")
                let press = await fake.state.pressButton(production.customId, on: form.id, in: general, by: DiscordE2ETests.owner)
                try await withDeadline(15, "the choice is marked\n\(daemon.log)") {
                    while await fake.state.messages(in: general).first(where: { $0.id == form.id })?
                        .buttons.flatMap({ $0 }).contains(where: { $0.label == "✓ Production" }) != true {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                let answers = await fake.state.interactionAnswers.filter { $0.interactionId == press }
                #expect(answers.map(\.type) == [6] && answers.allSatisfy { !$0.refused && $0.after < .seconds(3) }, "\(answers)")
                await fake.state.postMessage("ship it now", in: general, from: DiscordE2ETests.owner)
                try await DiscordE2ETests.waitForBot(fake, "elicitation: accept dry_run=false env=production reason=ship it now",
                                                     in: general, daemon: daemon)
                try await withDeadline(10, "the question loses its buttons") {
                    while await fake.state.messages(in: general).first(where: { $0.id == form.id })?.buttons.isEmpty != true {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(await fake.state.messages(in: general).allSatisfy { !$0.content.contains("ERROR") })
                #expect(try daemon.runCount() == 1)
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
            }
        }
    }
}
