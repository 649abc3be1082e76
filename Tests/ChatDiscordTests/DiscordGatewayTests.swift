import ACPControlPlane
import AsyncHTTPClient
import ChatCore
import ChatDiscord
import DiscordFake
import Foundation
import Testing
import Synchronization
import TestSupport

/// What the tests' stand-in router saw.
final class Inbox: Sendable {
    private let box = Mutex<[InboundMessage]>([])
    var messages: [InboundMessage] { box.withLock { $0 } }
    func append(_ message: InboundMessage) { box.withLock { $0.append(message) } }
}

/// Runs `channel` (its gateway) while a stand-in router completes each inbound message with
/// `outcome` and records it; cancels the channel after `body`.
func withRunning<T: Sendable>(_ channel: DiscordChannel, outcome: @escaping @Sendable (InboundMessage) -> InboundOutcome = { _ in InboundOutcome(accepted: true) },
                              _ body: @Sendable (Inbox) async throws -> T) async throws -> T {
    let inbox = Inbox()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await channel.run() }
        group.addTask {
            for await inbound in channel.inbound {
                inbox.append(inbound.message)
                inbound.complete(outcome(inbound.message))
            }
        }
        defer { group.cancelAll() }
        return try await body(inbox)
    }
}

@Suite("discord gateway against the fake", .serialized)
struct DiscordGatewayTests {
    @Test("a user's message arrives once, in its channel's conversation; the bot's own echo, other bots and empty messages are ignored")
    func messagesArrive() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client)
            try await withRunning(channel) { inbox in
                try await eventually("connected") { channel.accountState == .connected }
                #expect(channel.botUserId == fake.state.botUserId)
                #expect(channel.applicationId == fake.state.applicationId)
                let general = fake.state.generalChannel
                await fake.state.postMessage("from another bot", in: general, from: "333333333333333333", isBot: true)
                // The bot's own message comes back as MESSAGE_CREATE too.
                _ = try await channel.rest.createMessage(channel: general, content: "bot says", components: .array([]))
                let id = await fake.state.postMessage("hello agent", in: general, from: discordUser)
                try await eventually("the message") { inbox.messages.count == 1 }
                try await Task.sleep(for: .milliseconds(200))
                let messages = inbox.messages
                #expect(messages.count == 1, "\(messages)")
                #expect(messages.first?.text == "hello agent")
                #expect(messages.first?.idempotencyKey == id)
                #expect(messages.first?.senderId == discordUser)
                #expect(messages.first?.conversation == ConversationRef(channel: .discord, accountId: "default", conversationId: general))
            }
        }
    }

    @Test("a thread's messages carry the parent channel: threads from GUILD_CREATE, THREAD_CREATE and a REST lookup")
    func threadsCarryParent() async throws {
        try await withFakeDiscord { fake, client in
            let general = fake.state.generalChannel
            let early = await fake.state.addThread(in: general, name: "before connect")
            let channel = discordChannel(fake, client)
            try await withRunning(channel) { inbox in
                try await eventually("connected") { channel.accountState == .connected }
                let announced = await fake.state.addThread(in: general, name: "announced")
                let silent = await fake.state.addThread(in: fake.state.otherChannel, name: "silent", silently: true)
                for thread in [early, announced, silent] {
                    await fake.state.postMessage("in \(thread)", in: thread, from: discordUser)
                }
                try await eventually("three messages") { inbox.messages.count == 3 }
                let parents = Dictionary(uniqueKeysWithValues: inbox.messages.map { ($0.conversation.conversationId, $0.conversation.parentConversationId) })
                #expect(parents[early] == general)
                #expect(parents[announced] == general)
                #expect(parents[silent] == fake.state.otherChannel)
            }
        }
    }

    @Test("a socket dropped without a close frame is resumed on resume_gateway_url with the last sequence: what was posted meanwhile arrives once, nothing twice")
    func droppedSocketResumes() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client)
            try await withRunning(channel) { inbox in
                try await eventually("connected") { channel.accountState == .connected }
                let general = fake.state.generalChannel
                await fake.state.postMessage("before", in: general, from: discordUser)
                try await eventually("first message") { inbox.messages.count == 1 }
                await fake.state.injectGateway(.dropSocket)
                await fake.state.postMessage("while away 1", in: general, from: discordUser)
                await fake.state.postMessage("while away 2", in: general, from: discordUser)
                try await eventually("resumed and replayed") { inbox.messages.count == 3 }
                try await eventually("connected again") { channel.accountState == .connected }
                await fake.state.postMessage("after", in: general, from: discordUser)
                try await eventually("the message after") { inbox.messages.count == 4 }
                try await Task.sleep(for: .milliseconds(200))
                #expect(inbox.messages.map(\.text) == ["before", "while away 1", "while away 2", "after"])
                #expect(await fake.state.identifies.count == 1, "resumed, not identified anew")
                let resumes = await fake.state.resumes
                #expect(resumes.count == 1)
                #expect(resumes.first?.path == "/gateway-resume")
                #expect(resumes.first?.sequence != nil)
            }
        }
    }

    @Test("op 7 RECONNECT and a resumable op 9 resume; a non-resumable op 9 identifies anew")
    func reconnectAndInvalidSession() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client)
            try await withRunning(channel) { inbox in
                try await eventually("connected") { channel.accountState == .connected }
                await fake.state.injectGateway(.reconnect)
                try await eventually("resumed after op 7") { await fake.state.resumes.count == 1 ? await fake.state.isConnected : false }
                await fake.state.injectGateway(.invalidSession(resumable: true))
                try await eventually("resumed after op 9 true") { await fake.state.resumes.count == 2 ? await fake.state.isConnected : false }
                await fake.state.injectGateway(.invalidSession(resumable: false))
                // Discord asks for a 1-5 s wait before identifying anew.
                try await eventually("identified after op 9 false", within: 10) { await fake.state.identifies.count == 2 ? await fake.state.isConnected : false }
                await fake.state.postMessage("still here", in: fake.state.generalChannel, from: discordUser)
                try await eventually("a message on the new session") { inbox.messages.count == 1 }
            }
        }
    }

    @Test("heartbeats that are not acknowledged mean a zombie connection: it is closed and resumed")
    func zombieConnection() async throws {
        try await withFakeDiscord { fake, client in
            await fake.state.configureGateway(heartbeatInterval: .milliseconds(150))
            let channel = discordChannel(fake, client)
            try await withRunning(channel) { inbox in
                try await eventually("connected") { channel.accountState == .connected }
                try await eventually("heartbeats") { await fake.state.heartbeats >= 2 }
                await fake.state.injectGateway(.stopAcks)
                try await eventually("resumed") { await fake.state.resumes.count == 1 ? await fake.state.isConnected : false }
                #expect(await fake.state.identifies.count == 1)
                await fake.state.postMessage("after the zombie", in: fake.state.generalChannel, from: discordUser)
                try await eventually("a message after the resume") { inbox.messages.count == 1 }
            }
        }
    }

    @Test("close 4014 stops the account and names the Message Content intent; it does not reconnect")
    func disallowedIntents() async throws {
        try await withFakeDiscord { fake, client in
            await fake.state.configureGateway(messageContentAllowed: false)
            let channel = discordChannel(fake, client)
            try await withRunning(channel) { _ in
                try await eventually("failed") { channel.accountState == .failed(.disallowedIntents) }
                try await Task.sleep(for: .milliseconds(500))
                #expect(await fake.state.identifies.count == 1, "a fatal close is not retried")
                #expect(channel.isAcceptingInbound, "the account waits for shutdown; intake stays open until then")
            }
        }
    }

    @Test("a rejected token (401 from /gateway/bot) stops the account without retrying")
    func rejectedToken() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client, token: "wrong-token")
            try await withRunning(channel) { _ in
                try await eventually("failed") { channel.accountState == .failed(.authenticationFailed) }
                try await Task.sleep(for: .milliseconds(400))
                #expect(await fake.state.requests.filter { $0 == "GET /gateway/bot" }.count == 1)
                #expect(await fake.state.identifies.isEmpty)
            }
        }
    }

    @Test("close 4004 on a connected gateway stops the account; close 4000 resumes")
    func closeCodes() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client)
            try await withRunning(channel) { _ in
                try await eventually("connected") { channel.accountState == .connected }
                await fake.state.injectGateway(.close(code: 4000))
                try await eventually("resumed after 4000") { await fake.state.resumes.count == 1 ? await fake.state.isConnected : false }
                await fake.state.injectGateway(.close(code: 4004))
                try await eventually("failed") { channel.accountState == .failed(.authenticationFailed) }
                try await Task.sleep(for: .milliseconds(300))
                #expect(await fake.state.resumes.count == 1)
                #expect(await fake.state.identifies.count == 1)
            }
        }
    }

    @Test("a button press is acknowledged at once and routed with its payload; a refusal is answered ephemerally \"Not allowed.\"")
    func buttonPress() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client)
            try await withRunning(channel, outcome: { $0.buttonPayload == "/acp allow 1" ? InboundOutcome(accepted: true) : .ignored }) { inbox in
                try await eventually("connected") { channel.accountState == .connected }
                let general = fake.state.generalChannel
                let message = try await channel.rest.createMessage(channel: general, content: "May I?", components: [
                    ["type": 1, "components": [["type": 2, "style": 2, "label": "Allow", "custom_id": "/acp allow 1"]]],
                ])
                let messageId = try #require(message["id"]?.stringValue)
                let allowed = await fake.state.pressButton("/acp allow 1", on: messageId, in: general, by: discordUser)
                let refused = await fake.state.pressButton("/acp reject 1", on: messageId, in: general, by: "444444444444444444")
                try await eventually("both presses routed") { inbox.messages.count == 2 }
                try await eventually("the refusal answered") { await fake.state.interactionAnswers.contains { $0.type == 0 } }
                let answers = await fake.state.interactionAnswers
                #expect(answers.filter { $0.interactionId == allowed }.map(\.type) == [6], "acknowledged with a deferred update, nothing else")
                #expect(answers.filter { $0.interactionId == refused }.map(\.type) == [6, 0])
                let notice = try #require(answers.first { $0.interactionId == refused && $0.type == 0 })
                #expect(notice.content == "Not allowed." && notice.ephemeral)
                #expect(answers.allSatisfy { !$0.refused && $0.after < .seconds(3) }, "\(answers)")
                let press = try #require(inbox.messages.first { $0.idempotencyKey == allowed })
                #expect(press.buttonPayload == "/acp allow 1" && press.text == "/acp allow 1")
                #expect(press.conversation.conversationId == general)
            }
        }
    }

    @Test("an exhausted session start limit is waited out before identifying")
    func sessionStartLimit() async throws {
        try await withFakeDiscord { fake, client in
            await fake.state.configureGateway(sessionStarts: 0)
            let channel = discordChannel(fake, client)
            let started = ContinuousClock.now
            try await withRunning(channel) { _ in
                try await eventually("connected") { channel.accountState == .connected }
                #expect(ContinuousClock.now - started >= .milliseconds(1900), "the fake's reset_after is 2000 ms")
            }
        }
    }

    @Test("a deleted or archived thread is reported with its conversation (parent included) and why")
    func threadsGone() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client)
            let gone = Mutex<[(ConversationRef, String)]>([])
            channel.onConversationGone { conversation, why in gone.withLock { $0.append((conversation, why)) } }
            try await withRunning(channel) { _ in
                try await eventually("connected") { channel.accountState == .connected }
                let general = fake.state.generalChannel
                let archived = await fake.state.addThread(in: general, name: "to archive")
                let deleted = await fake.state.addThread(in: general, name: "to delete")
                await fake.state.removeThread(archived, archiveOnly: true)
                await fake.state.removeThread(deleted)
                try await eventually("both reported") { gone.withLock { $0.count } == 2 }
                let reports = gone.withLock { $0 }
                #expect(reports.contains { $0.0 == ConversationRef(channel: .discord, accountId: "default", conversationId: archived, parentConversationId: general) && $0.1 == "thread archived" })
                #expect(reports.contains { $0.0 == ConversationRef(channel: .discord, accountId: "default", conversationId: deleted, parentConversationId: general) && $0.1 == "thread deleted" })
            }
        }
    }

    @Test("showActivity is Discord's typing indicator in the conversation's channel (a thread's own id); the capability renews it within its 10 s")
    func showActivity() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client)
            let general = fake.state.generalChannel
            let thread = await fake.state.addThread(in: general)
            await channel.showActivity(in: ConversationRef(channel: .discord, accountId: "default", conversationId: general))
            await channel.showActivity(in: ConversationRef(channel: .discord, accountId: "default", conversationId: thread, parentConversationId: general))
            #expect(await fake.state.typing == [general, thread])
            let interval = try #require(channel.capabilities.activityInterval)
            #expect(interval < .seconds(10))
            // Best effort: an unknown channel is only logged.
            await channel.showActivity(in: ConversationRef(channel: .discord, accountId: "default", conversationId: "123"))
        }
    }

    @Test("the account status follows the gateway: starting, running, backoff with the reason, running again; failed with the fix's message")
    func accountStatus() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client)
            #expect(channel.accountStatus?.state == .starting)
            try await withRunning(channel) { _ in
                try await eventually("running") { channel.accountStatus?.state == .running }
                await fake.state.injectGateway(.close(code: 4000))
                try await eventually("back to running after the close") {
                    await fake.state.resumes.count == 1 && channel.accountStatus?.state == .running
                }
                #expect(channel.accountStatus?.lastError == "the gateway closed with 4000")
                await fake.state.injectGateway(.close(code: 4014))
                try await eventually("failed") { channel.accountStatus?.state == .failed }
                #expect(channel.accountStatus?.lastError?.contains("Message Content") == true)
                #expect(channel.accountStatus?.name == "discord:default")
            }
        }
    }

    @Test("a GUILD_CREATE far above WSClient's default 16 KiB frame limit is read (the limit is raised)")
    func largeGuildCreate() async throws {
        try await withFakeDiscord { fake, client in
            let general = fake.state.generalChannel
            var made = ""
            for index in 0..<400 { made = await fake.state.addThread(in: general, name: "thread number \(index) with a longish name") }
            let last = made
            let channel = discordChannel(fake, client)
            try await withRunning(channel) { inbox in
                try await eventually("connected") { channel.accountState == .connected }
                await fake.state.postMessage("in the last thread", in: last, from: discordUser)
                try await eventually("the message") { inbox.messages.count == 1 }
                #expect(inbox.messages.first?.conversation.parentConversationId == general)
                #expect(await fake.state.requests.allSatisfy { !$0.hasPrefix("GET /channels/") }, "the thread was known from GUILD_CREATE")
            }
        }
    }

    @Test("a socket that never says HELLO is closed after the HELLO timeout and the next one connects")
    func silentSocket() async throws {
        try await withFakeDiscord { fake, client in
            await fake.state.configureGateway(silentSockets: 1)
            let base = discordChannel(fake, client)
            let channel = DiscordChannel(accountId: "default", token: discordToken, rest: base.rest,
                                         options: .init(gateway: .init(backoff: ReconnectBackoff(base: .milliseconds(50), cap: .milliseconds(400)),
                                                                       closeTimeout: .milliseconds(300), helloTimeout: .milliseconds(300))))
            try await withRunning(channel) { _ in
                try await eventually("connected on the second socket") { channel.accountState == .connected }
                #expect(await fake.state.identifies.count == 1)
                #expect(await fake.state.requests.filter { $0 == "GET /gateway/bot" }.count == 2)
            }
        }
    }

    @Test("reconfigure: a failed account connects with a new token; disabled, it stops and refuses sends; enabled again, it reconnects")
    func reconfigure() async throws {
        try await withFakeDiscord { fake, client in
            let channel = discordChannel(fake, client, token: "wrong-token")
            try await withRunning(channel) { inbox in
                try await eventually("failed") { channel.accountState == .failed(.authenticationFailed) }
                let good = DiscordREST(apiBase: fake.apiBase, token: discordToken, client: client)
                channel.reconfigure(token: discordToken, rest: good, options: channel.options, enabled: true)
                try await eventually("connected with the new token") { channel.accountState == .connected }
                channel.setEnabled(false)
                try await eventually("stopped") { channel.accountStatus?.state == .stopped && channel.accountStatus?.lastError == "disabled in config" }
                let general = ConversationRef(channel: .discord, accountId: "default", conversationId: fake.state.generalChannel)
                do {
                    _ = try await channel.send(to: general, text: "x", buttons: [], context: OutgoingContext(kind: .notice))
                    Issue.record("a disabled account sent")
                } catch {
                    #expect(error as? ChannelError == .permanent("discord account default is disabled in config"))
                }
                channel.setEnabled(true)
                try await eventually("connected again") { channel.accountState == .connected }
                await fake.state.postMessage("still listening", in: fake.state.generalChannel, from: discordUser)
                try await eventually("a message after the reconnect") { inbox.messages.count == 1 }
                #expect(channel.isAcceptingInbound)
            }
        }
    }
}
