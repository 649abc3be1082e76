import ACPControlPlane
import ChatCore
import ChatDiscord
import DiscordFake
import Foundation
import Testing
import TestSupport

/// A run's Discord messages are kept in the store while its delivery is under way (as Telegram's
/// are), so that after a crash delivery edits them instead of posting their text again. The chaos
/// trials found the gap: a SIGKILL mid-delivery showed a Discord answer twice (docs/reliability.md).
@Suite("discord message records")
struct DiscordMessageRecordsTests {
    @Test("a run's sent and edited messages are recorded with their text; its final operation drops them; messages of no run are not recorded")
    func recordsFollowTheRun() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore(path: dir.appendingPathComponent("acpd.sqlite").path)
            defer { try? store.close() }
            try await withFakeDiscord { fake, client in
                let channel = discordChannel(fake, client)
                channel.attach(store: store)
                let general = ConversationRef(channel: .discord, accountId: "default", conversationId: fake.state.generalChannel)
                let run = RunID()
                let first = try await channel.send(to: general, text: "part one", buttons: [],
                                                   context: OutgoingContext(kind: .reply, runId: run))
                var records = try store.channelMessages(of: run, in: general)
                #expect(records.map(\.id) == [first.messageId] && records.map(\.text) == ["part one"], "\(records)")
                try await channel.edit(first, text: "part one, longer", buttons: [], context: OutgoingContext(kind: .reply, runId: run))
                let second = try await channel.send(to: general, text: "part two", buttons: [], context: OutgoingContext(kind: .reply, runId: run))
                records = try store.channelMessages(of: run, in: general)
                #expect(records.map(\.id) == [first.messageId, second.messageId], "first-send order: \(records)")
                #expect(records.map(\.text) == ["part one, longer", "part two"], "\(records)")
                _ = try await channel.send(to: general, text: "a notice", buttons: [], context: OutgoingContext(kind: .notice))
                #expect(try store.channelMessages(of: run, in: general).count == 2, "a message of no run is not recorded")
                try await channel.edit(second, text: "part two, done", buttons: [],
                                       context: OutgoingContext(kind: .reply, runId: run, isFinal: true))
                #expect(try store.channelMessages(of: run, in: general).isEmpty, "the final operation drops the run's records")
                // What Discord shows is what was sent: two messages of the run and the notice, nothing twice.
                let shown = await fake.state.botMessages.map(\.content)
                #expect(shown == ["part one, longer", "part two, done", "a notice"], "\(shown)")
            }
        }
    }

    @Test("a run's message sent again after a crash (Discord created it, acpd had not recorded it) carries the same nonce: Discord returns the first, nothing is posted twice, and a text that moved on is edited in")
    func nonceClosesTheCrashWindow() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore(path: dir.appendingPathComponent("acpd.sqlite").path)
            defer { try? store.close() }
            try await withFakeDiscord { fake, client in
                let channel = discordChannel(fake, client)
                channel.attach(store: store)
                let general = ConversationRef(channel: .discord, accountId: "default", conversationId: fake.state.generalChannel)
                // A short answer: its first message is also its final operation, so it is never recorded.
                let run = RunID()
                let final = OutgoingContext(kind: .reply, runId: run, isFinal: true)
                let first = try await channel.send(to: general, text: "echo: short", buttons: [], context: final)
                let again = try await channel.send(to: general, text: "echo: short", buttons: [], context: final)
                #expect(again.messageId == first.messageId)
                // A streamed answer killed after Discord created its first message and before the record:
                // the restarted delivery sends the whole answer as that message again.
                let streamed = RunID()
                let partial = try await channel.send(to: general, text: "echo: str", buttons: [], context: OutgoingContext(kind: .reply, runId: streamed))
                try store.forgetPlatformMessages(of: streamed, in: general, advancing: nil)
                let resent = try await channel.send(to: general, text: "echo: streamed in full", buttons: [],
                                                    context: OutgoingContext(kind: .reply, runId: streamed, isFinal: true))
                #expect(resent.messageId == partial.messageId)
                let shown = await fake.state.botMessages.map(\.content)
                #expect(shown == ["echo: short", "echo: streamed in full"], "\(shown)")
                #expect(await fake.state.nonceRepeats == 2)
                // Another run's message at the same place is another message.
                _ = try await channel.send(to: general, text: "echo: short", buttons: [], context: OutgoingContext(kind: .reply, runId: RunID(), isFinal: true))
                #expect(await fake.state.botMessages.count == 3)
            }
        }
    }
}
