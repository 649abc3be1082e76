/// The messages a run has on a platform that keeps them itself (Telegram, Discord), recorded in
/// `channel_messages` under the platform's message id while the run's delivery is under way.
///
/// After a restart, delivery adopts a run's recorded messages as its slots (first-send order) and
/// edits them in place, instead of posting its text again: a crash mid-stream repeats nothing the
/// user already saw. The checkpoint an operation completes is written in the same transaction.
/// Once the run's final operation is applied, its rows are dropped: nothing edits them any more.
extension ControlPlaneStore {
    /// Records that platform message `messageId` is the run's next message in `conversation`
    /// (its next slot), with its text, and advances `advancing` in the same transaction.
    public func recordPlatformMessage(_ messageId: String, in conversation: ConversationRef, kind: String, run: RunID,
                                      text: String, advancing: CheckpointAdvance?) throws {
        let time = timestamp
        try write { db in
            try db.cachedStatement(sql: """
                INSERT INTO channel_messages (channel, account_id, conversation_id, message_id, kind, run_id, text, final, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                ON CONFLICT(channel, account_id, conversation_id, message_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at
                """).execute(arguments: [conversation.channel.rawValue, conversation.accountId, conversation.conversationId,
                                         messageId, kind, run.rawValue, text, time, time])
            try Self.advance(db, advancing, at: time)
        }
        checkpointCache.note(advancing)
    }

    /// Notes an edit of a recorded platform message (its text) and advances `advancing`, in one
    /// transaction; a message not recorded changes nothing but the checkpoint.
    public func updatePlatformMessage(_ messageId: String, in conversation: ConversationRef, text: String,
                                      advancing: CheckpointAdvance?) throws {
        let time = timestamp
        try write { db in
            try db.cachedStatement(sql: """
                UPDATE channel_messages SET text = ?, updated_at = ?
                WHERE channel = ? AND account_id = ? AND conversation_id = ? AND message_id = ?
                """).execute(arguments: [text, time, conversation.channel.rawValue, conversation.accountId, conversation.conversationId, messageId])
            try Self.advance(db, advancing, at: time)
        }
        checkpointCache.note(advancing)
    }

    /// The run's delivery to `conversation` is complete: drops its recorded platform messages and
    /// advances `advancing`, in one transaction.
    public func forgetPlatformMessages(of run: RunID, in conversation: ConversationRef, advancing: CheckpointAdvance?) throws {
        let time = timestamp
        try write { db in
            try db.cachedStatement(sql: """
                DELETE FROM channel_messages WHERE channel = ? AND account_id = ? AND conversation_id = ? AND run_id = ?
                """).execute(arguments: [conversation.channel.rawValue, conversation.accountId, conversation.conversationId, run.rawValue])
            try Self.advance(db, advancing, at: time)
        }
        checkpointCache.note(advancing)
    }

    /// Advances `advancing` (if any) inside the caller's transaction; the caller notes it in
    /// `checkpointCache` once the transaction committed.
    static func advance(_ db: Database, _ advancing: CheckpointAdvance?, at time: Double) throws {
        guard let advancing else { return }
        _ = try DeliveryCheckpoints.advance(db, run: advancing.run, destination: advancing.destination, to: advancing.seq, at: time)
    }
}
