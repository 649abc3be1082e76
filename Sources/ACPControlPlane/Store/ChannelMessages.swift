#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One message acpd delivered to a conversation whose outbound lives in the store (the `http`
/// channel, CONTRACT.md §7): `seq` is assigned at the first send and kept by edits.
public struct ChannelMessage: Sendable, Equatable {
    /// Position in the log: increasing over the whole store, never reused.
    public let seq: Int64
    /// The message id the channel hands out (`m<seq>`).
    public let id: String
    /// The conversation it was delivered to.
    public let conversation: ConversationRef
    /// CONTRACT.md §7 kind: `reply`, `command`, `notice` or `permission`.
    public let kind: String
    /// The run the message belongs to, if any.
    public let runId: RunID?
    /// The current text (an edit replaces it).
    public let text: String
    /// True once the run that owns the message ended.
    public let final: Bool
    public let createdAt: Date
    public let updatedAt: Date
}

/// "Every event of `run` up to `seq` has reached `destination`": the delivery checkpoint a
/// channel write completes. A channel whose outbound lives in the store writes it in the same
/// transaction as the message, so neither exists without the other after a crash.
public struct CheckpointAdvance: Sendable, Equatable {
    public var run: RunID
    /// The destination the checkpoint is kept for (the conversation's canonical string).
    public var destination: String
    public var seq: Int64

    /// A checkpoint position.
    public init(run: RunID, destination: String, seq: Int64) {
        self.run = run
        self.destination = destination
        self.seq = seq
    }
}

/// The result of a message write: the message as stored, and other messages of its run that the
/// write marked final (a run's final operation marks all of them).
public struct ChannelMessageWrite: Sendable, Equatable {
    public let message: ChannelMessage
    public let alsoMarkedFinal: [ChannelMessage]
}

/// The `channel_messages` table: the durable message log of store-backed channels.
extension ControlPlaneStore {
    /// Appends a message to `conversation` and returns it with its seq and id. When `final`, every
    /// message of `runId` there becomes final too. `advancing` moves that delivery checkpoint in
    /// the same transaction. Keeps at most `keep` messages of the conversation (the oldest go).
    public func appendChannelMessage(to conversation: ConversationRef, kind: String, runId: RunID?, text: String,
                                     final: Bool, advancing: CheckpointAdvance? = nil,
                                     keep: Int = .max) throws -> ChannelMessageWrite {
        let time = timestamp
        let written = try write { db in
            let key = ChannelMessageKey(conversation)
            let seq = try Self.nextSeq(db)
            try db.cachedStatement(sql: """
                INSERT INTO channel_messages (seq, channel, account_id, conversation_id, message_id, kind, run_id, text, final, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [seq, key.channel, key.account, key.conversation, "m\(seq)", kind, runId?.rawValue, text, final, time, time])
            try Self.advance(db, advancing, at: time)
            let others = final ? try Self.markFinal(db, key, run: runId, except: seq, at: time) : []
            if keep < .max { try Self.trim(db, key, keep: keep) }
            guard let message = try Self.message(db, seq: seq) else { throw RecordDecodingError("channel_messages", "m\(seq)") }
            return ChannelMessageWrite(message: message, alsoMarkedFinal: others)
        }
        checkpointCache.note(advancing)
        return written
    }

    /// Replaces the text of message `id` in place (its seq stays); nil when the log no longer has
    /// it (then nothing is written, not even the checkpoint). `final` and `advancing` as for append.
    public func editChannelMessage(in conversation: ConversationRef, id: String, text: String, final: Bool,
                                   runId: RunID? = nil, advancing: CheckpointAdvance? = nil) throws -> ChannelMessageWrite? {
        let time = timestamp
        let written = try write { db -> ChannelMessageWrite? in
            let key = ChannelMessageKey(conversation)
            guard let seq = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT seq FROM channel_messages WHERE channel = ? AND account_id = ? AND conversation_id = ? AND message_id = ?
                """), arguments: [key.channel, key.account, key.conversation, id]) else { return nil }
            try db.cachedStatement(sql: "UPDATE channel_messages SET text = ?, final = (final OR ?), updated_at = ? WHERE seq = ?").execute(arguments: [text, final, time, seq])
            try Self.advance(db, advancing, at: time)
            guard let message = try Self.message(db, seq: seq) else { return nil }
            let others = final ? try Self.markFinal(db, key, run: runId ?? message.runId, except: seq, at: time) : []
            return ChannelMessageWrite(message: message, alsoMarkedFinal: others)
        }
        if written != nil { checkpointCache.note(advancing) }
        return written
    }

    /// Deletes all but the newest `keep` messages of each of `conversations`, in one transaction
    /// (the http log trims a conversation every so many appends, not at each: finding the cut
    /// walks `keep` index entries). Returns how many were deleted.
    @discardableResult
    public func trimChannelMessages(_ conversations: [ConversationRef], keep: Int) throws -> Int {
        guard !conversations.isEmpty else { return 0 }
        return try write { db in
            var deleted = 0
            for conversation in conversations {
                try Self.trim(db, ChannelMessageKey(conversation), keep: keep)
                deleted += db.changesCount
            }
            return deleted
        }
    }

    /// The seq `AUTOINCREMENT` would give the next message: one past the largest ever handed out
    /// (`sqlite_sequence`) and past the largest present. Chosen before the insert so the row goes
    /// in with its final `message_id` (`m<seq>`): an insert with a placeholder and an update after
    /// it wrote the id index twice, on two pages. Only the store's writer calls it, in its transaction.
    private static func nextSeq(_ db: Database) throws -> Int64 {
        let issued = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'channel_messages'")) ?? 0
        let present = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(seq) FROM channel_messages")) ?? 0
        return max(issued, present) + 1
    }

    private static func trim(_ db: Database, _ key: ChannelMessageKey, keep: Int) throws {
        try db.cachedStatement(sql: """
            DELETE FROM channel_messages WHERE channel = ? AND account_id = ? AND conversation_id = ? AND seq <= (
              SELECT seq FROM channel_messages WHERE channel = ? AND account_id = ? AND conversation_id = ?
              ORDER BY seq DESC LIMIT 1 OFFSET ?)
            """).execute(arguments: [key.channel, key.account, key.conversation, key.channel, key.account, key.conversation, max(1, keep)])
    }

    /// Marks every message of `run` in `conversation` final; returns those that changed.
    @discardableResult
    public func markChannelMessagesFinal(in conversation: ConversationRef, run: RunID) throws -> [ChannelMessage] {
        let time = timestamp
        return try write { db in try Self.markFinal(db, ChannelMessageKey(conversation), run: run, except: nil, at: time) }
    }

    /// The conversation's messages with `seq > after`, in seq order, at most `limit`.
    public func channelMessages(in conversation: ConversationRef, after: Int64 = 0, limit: Int = 1000) throws -> [ChannelMessage] {
        let key = ChannelMessageKey(conversation)
        return try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM channel_messages WHERE channel = ? AND account_id = ? AND conversation_id = ? AND seq > ?
                ORDER BY seq LIMIT ?
                """), arguments: [key.channel, key.account, key.conversation, after, max(0, limit)]).map(Self.message)
        }
    }

    /// Every message of `run` in `conversation`, in seq order (the order they were first sent).
    public func channelMessages(of run: RunID, in conversation: ConversationRef) throws -> [ChannelMessage] {
        let key = ChannelMessageKey(conversation)
        return try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM channel_messages WHERE channel = ? AND account_id = ? AND conversation_id = ? AND run_id = ?
                ORDER BY seq
                """), arguments: [key.channel, key.account, key.conversation, run.rawValue]).map(Self.message)
        }
    }

    /// Retention across conversations: keeps the messages of the `maxConversations` most
    /// recently written conversations of `channel` and deletes the others' (the per-conversation
    /// bound is `keep` at append). The conversations are listed on a read snapshot by index seeks
    /// (cost grows with the number of conversations, not of messages), so writers wait only for
    /// the deletes. Returns how many messages were deleted.
    @discardableResult
    public func pruneChannelMessages(channel: ConversationRef.Channel, maxConversations: Int) throws -> Int {
        let conversations = try read { db in try Self.conversations(db, channel: channel.rawValue) }
        let excess = conversations.sorted { $0.lastSeq > $1.lastSeq }.dropFirst(max(1, maxConversations))
        guard !excess.isEmpty else { return 0 }
        return try write { db in
            var deleted = 0
            for conversation in excess {
                // Only what the snapshot saw: a message written since keeps its conversation alive.
                try db.cachedStatement(sql: """
                    DELETE FROM channel_messages WHERE channel = ? AND account_id = ? AND conversation_id = ? AND seq <= ?
                      AND NOT EXISTS (SELECT 1 FROM channel_messages WHERE channel = ? AND account_id = ? AND conversation_id = ? AND seq > ?)
                    """).execute(arguments: [channel.rawValue, conversation.account, conversation.conversation, conversation.lastSeq,
                                     channel.rawValue, conversation.account, conversation.conversation, conversation.lastSeq])
                deleted += db.changesCount
            }
            return deleted
        }
    }

    /// The conversations of `channel` with their newest seq, walking the conversation index.
    private static func conversations(_ db: Database, channel: String) throws -> [(account: String, conversation: String, lastSeq: Int64)] {
        var result: [(account: String, conversation: String, lastSeq: Int64)] = []
        let first = try db.cachedStatement(sql: """
            SELECT account_id, conversation_id FROM channel_messages WHERE channel = ? ORDER BY account_id, conversation_id LIMIT 1
            """)
        let next = try db.cachedStatement(sql: """
            SELECT account_id, conversation_id FROM channel_messages WHERE channel = ? AND (account_id, conversation_id) > (?, ?)
            ORDER BY account_id, conversation_id LIMIT 1
            """)
        let newest = try db.cachedStatement(sql: """
            SELECT MAX(seq) FROM channel_messages WHERE channel = ? AND account_id = ? AND conversation_id = ?
            """)
        var row = try Row.fetchOne(first, arguments: [channel])
        while let current = row {
            let account: String = try current["account_id"]
            let conversation: String = try current["conversation_id"]
            let lastSeq = try Int64.fetchOne(newest, arguments: [channel, account, conversation]) ?? 0
            result.append((account, conversation, lastSeq))
            row = try Row.fetchOne(next, arguments: [channel, account, conversation])
        }
        return result
    }

    private static func markFinal(_ db: Database, _ key: ChannelMessageKey, run: RunID?, except: Int64?, at time: Double) throws -> [ChannelMessage] {
        guard let run else { return [] }
        // By the run's index: left to itself the planner took the conversation's (three equal
        // columns) and read every message of the conversation, up to 1,000 rows, for each final
        // message (140 µs of every http message's path; 5 µs this way).
        let seqs = try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT seq FROM channel_messages INDEXED BY channel_messages_run
            WHERE channel = ? AND account_id = ? AND conversation_id = ? AND run_id = ? AND final = 0 AND seq != ?
            ORDER BY seq
            """), arguments: [key.channel, key.account, key.conversation, run.rawValue, except ?? 0])
        guard !seqs.isEmpty else { return [] }
        try db.execute(sql: "UPDATE channel_messages SET final = 1, updated_at = ? WHERE seq IN (\(seqs.map { _ in "?" }.joined(separator: ",")))",
                       arguments: [time] + StatementArguments(seqs))
        return try seqs.compactMap { try message(db, seq: $0) }
    }

    private static func message(_ db: Database, seq: Int64) throws -> ChannelMessage? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM channel_messages WHERE seq = ?"), arguments: [seq]).map(message)
    }

    private static func message(_ row: Row) throws -> ChannelMessage {
        try ChannelMessage(seq: row["seq"], id: row["message_id"],
                       conversation: ConversationRef(channel: .init(row["channel"]), accountId: row["account_id"],
                                                     conversationId: row["conversation_id"]),
                       kind: row["kind"], runId: (row["run_id"] as String?).flatMap { RunID($0) }, text: row["text"],
                       final: row["final"], createdAt: row.date("created_at"), updatedAt: row.date("updated_at"))
    }
}

/// The key columns of a conversation in `channel_messages`.
private struct ChannelMessageKey {
    let channel: String
    let account: String
    let conversation: String

    init(_ ref: ConversationRef) {
        channel = ref.channel.rawValue
        account = ref.accountId
        conversation = ref.conversationId
    }
}
