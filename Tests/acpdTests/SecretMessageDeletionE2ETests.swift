import DiscordFake
import Foundation
import TelegramFake
import Testing
import TestSupport

/// A message that carries the secret (`/auth <secret>`, `--secret <secret>`) is deleted from the
/// chat where the platform lets the bot, through `acpd run` against the Telegram and Discord fakes
/// (which enforce who may delete what); where it may not, the command still works and the log
/// says to delete it by hand.
@Suite("secret messages are deleted", .serialized)
struct SecretMessageDeletionE2ETests {
    static let secret = "deletion-secret-8812"
    static let telegramToken = "123456:DEL-token"
    static let discordToken = "discord-deletion-token"
    static let discordOwner = "222222222222222222"

    @Test("telegram: /acp health shows the account; deleted in a private chat and, as an administrator, in a group; kept (and logged) where the bot is a plain member; the 48-hour limit")
    func telegram() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.telegramToken) { fake in
                let group: Int64 = -1_005_550_000
                await fake.state.addChat(group, bot: .member)
                let config = """
                    acp:
                      defaultAgent: demo
                    \(E2EConfig.demoAgent)
                    channels:
                      telegram:
                        accounts:
                          default: { botToken: "\(Self.telegramToken)", apiRoot: "\(fake.apiRoot)", pollTimeoutSeconds: 1 }
                    access:
                      owners: ["telegram:111"]
                      secret: "\(Self.secret)"
                      rateLimit: { perMinute: 600, burst: 100 }
                    """
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                func botSays(_ text: String, in chat: Int64) async throws {
                    try await withDeadline(30, "the bot says \(text) in \(chat)\n\(daemon.log)") {
                        while await !fake.state.messages(chat: chat, thread: nil).contains(where: { $0.text.contains(text) }) {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                }

                // Private chat: the bot may delete the owner's message.
                await fake.state.enqueueText("/auth \(Self.secret)", chat: 111, from: 111)
                try await botSays("OK: unlocked for 600 seconds", in: 111)
                try await withDeadline(10, "the /auth message is deleted") {
                    while await !fake.state.userMessageIds(chat: 111).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(await fake.state.deletedMessages.map(\.chat) == [111])

                // A group where the bot is a plain member: Telegram refuses, the command still runs.
                await fake.state.enqueueText("/acp doctor --secret \(Self.secret)", chat: group, from: 111)
                try await botSays("OK: ", in: group)
                try await withDeadline(10, "the refusal is logged") {
                    while !daemon.log.contains("the message that carried the secret could not be deleted") {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(await fake.state.userMessageIds(chat: group).count == 1)
                #expect(daemon.log.contains("Telegram answered 400: Bad Request: message can"), "\(daemon.log)")

                // An administrator may delete it.
                await fake.state.setMembership(.administrator(canManageTopics: false), in: group)
                await fake.state.enqueueText("/acp logs --tail 1 --secret \(Self.secret)", chat: group, from: 111)
                try await botSays("OK: acpd log, last 1 line(s)", in: group)
                try await withDeadline(10, "the --secret message is deleted") {
                    while await fake.state.deletedMessages.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(await fake.state.userMessageIds(chat: group).count == 1, "only the new one was deleted")
                // /acp health shows the account's state.
                await fake.state.enqueueText("/acp health", chat: 111, from: 111)
                try await botSays("\nchannels: telegram:default running for ", in: 111)
                let replies = await fake.state.allMessages.map(\.text)
                #expect(!replies.contains { $0.contains(Self.secret) }, "\(replies)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                #expect(!daemon.log.contains(Self.secret))

                // The fake's 48-hour rule, through the Bot API: an old message can no longer be deleted.
                await fake.state.enqueueText("old", chat: 111, from: 111)
                let old = try #require(await fake.state.userMessageIds(chat: 111).last)
                await fake.state.backdate(chat: 111, messageId: old, by: FakeBotState.deletableFor)
                let (status, body) = try await Self.callBotAPI(fake.apiRoot, "deleteMessage", ["chat_id": 111, "message_id": old])
                #expect(status == 400 && body.contains("message can't be deleted"), "\(status) \(body)")
                #expect(await fake.state.userMessageExists(chat: 111, messageId: old))
            }
        }
    }

    @Test("discord: /acp health shows the account; kept without Manage Messages (Missing Permissions, logged), deleted with it")
    func discord() async throws {
        try await withTemporaryDirectory { dir in
            try await DiscordFakeServer.with(token: Self.discordToken) { fake in
                let general = fake.state.generalChannel
                let config = """
                    acp:
                      defaultAgent: demo
                    \(E2EConfig.demoAgent)
                    channels:
                      discord:
                        accounts:
                          default: { botToken: "\(Self.discordToken)", apiBase: "\(fake.apiBase)", applicationId: "800000000000000001" }
                    access:
                      owners: ["discord:\(Self.discordOwner)"]
                      secret: "\(Self.secret)"
                      rateLimit: { perMinute: 600, burst: 100 }
                    """
                let daemon = try await DaemonProcess.start(in: dir, token: "api-token", config: config)
                try await withDeadline(30, "the gateway is connected\n\(daemon.log)") {
                    while await !fake.state.isConnected { try await Task.sleep(for: .milliseconds(50)) }
                }
                let kept = await fake.state.postMessage("/acp doctor --secret \(Self.secret)", in: general, from: Self.discordOwner)
                try await DiscordE2ETests.waitForBot(fake, "OK: ", in: general, daemon: daemon)
                try await withDeadline(10, "the refusal is logged") {
                    while !daemon.log.contains("the message that carried the secret could not be deleted") {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(daemon.log.contains("50013"), "Missing Permissions\n\(daemon.log)")
                #expect(await fake.state.messageExists(kept, in: general))

                await fake.state.allowManageMessages()
                let deleted = await fake.state.postMessage("/auth \(Self.secret)", in: general, from: Self.discordOwner)
                try await DiscordE2ETests.waitForBot(fake, "OK: unlocked", in: general, daemon: daemon)
                try await withDeadline(10, "the /auth message is deleted") {
                    while await fake.state.messageExists(deleted, in: general) { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(await fake.state.deletedMessages.map(\.messageId) == [deleted])
                #expect(await fake.state.messageExists(kept, in: general))
                await fake.state.postMessage("/acp health", in: general, from: Self.discordOwner)
                try await DiscordE2ETests.waitForBot(fake, "\nchannels: discord:default running for ", in: general, daemon: daemon)
                let said = await fake.state.messages(in: general).map(\.content)
                #expect(!said.contains { $0.contains(Self.secret) && !$0.hasPrefix("/") }, "\(said)")
                #expect(try await daemon.stop() == 0, "\(daemon.log)")
                #expect(!daemon.log.contains(Self.secret))
            }
        }
    }

    /// POSTs a Bot API call to the fake and returns the status and body.
    static func callBotAPI(_ apiRoot: String, _ method: String, _ parameters: [String: Any]) async throws -> (Int, String) {
        let (status, data) = try await TestHTTP.send("POST", "\(apiRoot)/bot\(telegramToken)/\(method)",
                                                     headers: ["Content-Type": "application/json"],
                                                     body: try JSONSerialization.data(withJSONObject: parameters))
        return (status, String(decoding: data, as: UTF8.self))
    }
}
