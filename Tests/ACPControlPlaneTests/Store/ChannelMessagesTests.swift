import Foundation
import Testing
import TestSupport
@testable import ACPControlPlane

@Suite("Channel message log (schema v2)")
struct ChannelMessagesTests {
    private static let other = ConversationRef(channel: .http, conversationId: "conv-2")

    @Test func appendEditReadAndFinal() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let store = fixture.store
            let run = try fixture.addRun(state: .running)
            let first = try store.appendChannelMessage(to: fixture.conversation, kind: "reply", runId: run, text: "one", final: false).message
            let elsewhere = try store.appendChannelMessage(to: Self.other, kind: "notice", runId: nil, text: "hi", final: false).message
            let second = try store.appendChannelMessage(to: fixture.conversation, kind: "permission", runId: run, text: "two", final: false).message
            #expect(first.seq < elsewhere.seq && elsewhere.seq < second.seq)
            #expect(first.id == "m\(first.seq)")
            #expect(first.runId == run && elsewhere.runId == nil)

            // An edit replaces the text in place and keeps the seq.
            let edited = try #require(try store.editChannelMessage(in: fixture.conversation, id: first.id, text: "one, edited", final: false))
            #expect(edited.message.seq == first.seq && edited.message.text == "one, edited" && !edited.message.final)
            #expect(try store.editChannelMessage(in: Self.other, id: first.id, text: "x", final: false) == nil)
            #expect(try store.editChannelMessage(in: fixture.conversation, id: "m999", text: "x", final: false) == nil)

            let all = try store.channelMessages(in: fixture.conversation)
            #expect(all.map(\.text) == ["one, edited", "two"])
            #expect(try store.channelMessages(in: fixture.conversation, after: first.seq).map(\.seq) == [second.seq])
            #expect(try store.channelMessages(in: fixture.conversation, limit: 1).map(\.seq) == [first.seq])
            #expect(try store.channelMessages(in: Self.other).map(\.text) == ["hi"])

            // The run's final operation marks every message of the run there final.
            let final = try #require(try store.editChannelMessage(in: fixture.conversation, id: second.id, text: "two, done", final: true))
            #expect(final.message.final)
            #expect(final.alsoMarkedFinal.map(\.seq) == [first.seq])
            #expect(try store.channelMessages(in: fixture.conversation).allSatisfy(\.final))
            #expect(try store.channelMessages(in: Self.other).allSatisfy { !$0.final })
            #expect(try store.markChannelMessagesFinal(in: fixture.conversation, run: run).isEmpty)

            // Another run's messages in the same conversation are not the first run's to finish.
            let later = RunID()
            let open = try store.appendChannelMessage(to: fixture.conversation, kind: "reply", runId: later, text: "three", final: false).message
            _ = try store.appendChannelMessage(to: fixture.conversation, kind: "reply", runId: later, text: "four", final: false)
            #expect(try store.markChannelMessagesFinal(in: fixture.conversation, run: run).isEmpty)
            let closing = try store.appendChannelMessage(to: fixture.conversation, kind: "reply", runId: later, text: "five", final: true)
            #expect(closing.alsoMarkedFinal.map(\.seq) == [open.seq, open.seq + 1])
        }
    }

    @Test func aMessageAndItsCheckpointAreOneTransaction() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let store = fixture.store
            let run = try fixture.addRun(state: .running)
            try fixture.append(run, [.runStarted, .text(TextDelta(stream: .output, text: "a")), .completed(stopReason: "end_turn")], from: 1)
            let destination = fixture.conversation.canonical
            let sent = try store.appendChannelMessage(to: fixture.conversation, kind: "reply", runId: run, text: "a", final: false,
                                                      advancing: CheckpointAdvance(run: run, destination: destination, seq: 2))
            #expect(try store.checkpoint(run: run, destination: destination) == 2)
            _ = try store.editChannelMessage(in: fixture.conversation, id: sent.message.id, text: "a.", final: true, runId: run,
                                             advancing: CheckpointAdvance(run: run, destination: destination, seq: 3))
            #expect(try store.checkpoint(run: run, destination: destination) == 3)

            // A checkpoint that cannot be written takes the message with it, and the reverse.
            #expect(throws: ACPError.self) {
                try store.appendChannelMessage(to: fixture.conversation, kind: "reply", runId: run, text: "lost", final: false,
                                               advancing: CheckpointAdvance(run: run, destination: destination, seq: 9))
            }
            #expect(throws: ACPError.self) {
                try store.editChannelMessage(in: fixture.conversation, id: sent.message.id, text: "changed", final: false,
                                             advancing: CheckpointAdvance(run: run, destination: destination, seq: 9))
            }
            #expect(try store.channelMessages(in: fixture.conversation).map(\.text) == ["a."])
            #expect(try store.checkpoint(run: run, destination: destination) == 3)
            // Advancing is idempotent and never moves back.
            _ = try store.appendChannelMessage(to: fixture.conversation, kind: "notice", runId: run, text: "late", final: false,
                                               advancing: CheckpointAdvance(run: run, destination: destination, seq: 1))
            #expect(try store.checkpoint(run: run, destination: destination) == 3)
        }
    }

    @Test func retentionKeepsTheNewestPerConversationAndTheNewestConversations() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let store = fixture.store
            for index in 1...5 {
                _ = try store.appendChannelMessage(to: fixture.conversation, kind: "reply", runId: nil, text: "\(index)", final: false, keep: 3)
            }
            #expect(try store.channelMessages(in: fixture.conversation).map(\.text) == ["3", "4", "5"])
            let conversations = (1...4).map { ConversationRef(channel: .http, conversationId: "c\($0)") }
            for conversation in conversations {
                for index in 1...3 { _ = try store.appendChannelMessage(to: conversation, kind: "reply", runId: nil, text: "\(index)", final: false) }
            }
            let console = ConversationRef(channel: .console, conversationId: "local")
            _ = try store.appendChannelMessage(to: console, kind: "reply", runId: nil, text: "other channel", final: false)
            // 5 http conversations: keep the 2 most recently written.
            #expect(try store.pruneChannelMessages(channel: .http, maxConversations: 2) == 3 * 3)
            #expect(try store.channelMessages(in: fixture.conversation).isEmpty)
            #expect(try store.channelMessages(in: conversations[1]).isEmpty)
            #expect(try store.channelMessages(in: conversations[2]).map(\.text) == ["1", "2", "3"])
            #expect(try store.channelMessages(in: conversations[3]).map(\.text) == ["1", "2", "3"])
            #expect(try store.pruneChannelMessages(channel: .http, maxConversations: 2) == 0)
            #expect(try store.channelMessages(in: console).count == 1)
        }
    }

    @Test func theLogSurvivesReopeningAndSeqIsNeverReused() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            _ = try fixture.store.appendChannelMessage(to: fixture.conversation, kind: "reply", runId: nil, text: "first", final: false)
            let last = try fixture.store.appendChannelMessage(to: Self.other, kind: "reply", runId: nil, text: "last", final: false).message
            // One conversation kept: the most recently written one.
            try fixture.store.pruneChannelMessages(channel: .http, maxConversations: 1)
            #expect(try fixture.store.channelMessages(in: fixture.conversation).isEmpty)
            try fixture.store.close()

            let reopened = try ControlPlaneStore.open(stateDir: dir)
            #expect(try reopened.channelMessages(in: Self.other).map(\.text) == ["last"])
            try reopened.write { db in try db.execute(sql: "DELETE FROM channel_messages") }
            let next = try reopened.appendChannelMessage(to: fixture.conversation, kind: "reply", runId: nil, text: "next", final: false).message
            #expect(next.seq > last.seq)
        }
    }

    @Test func aVersion1StoreIsMigratedToVersion2KeepingItsRows() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent(ControlPlaneStore.fileName).path
            do {
                let queue = try ConnectionPool(path: path, configuration: .init())
                try Schema.migrator.migrate(queue, upTo: 1)
                try queue.write { db in
                    try db.execute(sql: """
                        INSERT INTO channel_cursors (channel, account_id, cursor, updated_at) VALUES ('telegram', 'default', '42', 1)
                        """)
                }
                #expect(try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") } == 1)
                queue.close()
            }
            let store = try ControlPlaneStore(path: path)
            // Migrated to the current version (v2 added the table; later ones keep it).
            #expect(try store.schemaVersion() == ControlPlaneStore.supportedSchemaVersion)
            #expect(ControlPlaneStore.supportedSchemaVersion >= 2)
            #expect(try store.cursor(channel: .telegram, accountId: "default") == "42")
            let message = try store.appendChannelMessage(to: ConversationRef(channel: .http, conversationId: "r"), kind: "reply",
                                                         runId: nil, text: "new table", final: false).message
            #expect(message.seq == 1)
        }
    }
}
