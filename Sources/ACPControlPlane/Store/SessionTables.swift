#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Statements on `acp_sessions` and `acp_bindings`, run inside a caller's transaction so that
/// several of them commit (or roll back) together. (`package`: acpd-bench seeds stores with them.)
package enum SessionTables {
    static func fetch(_ db: Database, key: SessionKey) throws -> SessionRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM acp_sessions WHERE key = ?"), arguments: [key.rawValue]).map(SessionRecord.init(row:))
    }

    /// Inserts `record`. A closed session with the same key is replaced by the new incarnation
    /// (its runs and events stay); an open one is an error.
    package static func insert(_ db: Database, _ record: SessionRecord) throws {
        if let existing = try fetch(db, key: record.key) {
            guard existing.state == .closed else {
                throw ACPError(.invalidArgument, message: "session \(record.key) already exists", hint: "use /acp status \(record.key)")
            }
            try db.cachedStatement(sql: """
                UPDATE acp_sessions SET agent_id = ?, cwd = ?, mode = ?, backend = ?, label = ?, state = ?, agent_session_id = ?,
                  last_error_code = NULL, last_error = NULL, created_at = ?, updated_at = ?, last_activity_at = ?, closed_at = NULL
                WHERE key = ?
                """).execute(arguments: [record.agentId, record.cwd, record.mode.rawValue, record.backend, record.label, record.state.rawValue,
                                 record.agentSessionId, record.createdAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970,
                                 record.lastActivityAt.timeIntervalSince1970, record.key.rawValue])
            return
        }
        try db.cachedStatement(sql: """
            INSERT INTO acp_sessions (key, agent_id, cwd, mode, backend, label, state, agent_session_id, last_error_code, last_error,
              created_at, updated_at, last_activity_at, closed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [record.key.rawValue, record.agentId, record.cwd, record.mode.rawValue, record.backend, record.label,
                             record.state.rawValue, record.agentSessionId, record.lastErrorCode?.rawValue, record.lastError,
                             record.createdAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970,
                             record.lastActivityAt.timeIntervalSince1970, record.closedAt?.timeIntervalSince1970])
    }

    /// Inserts `record` as `insert(_:_:)` does and, if given, binds it (`insertBinding`).
    static func insert(_ db: Database, _ record: SessionRecord, binding: NewBinding?, at time: Double) throws -> BindingRecord? {
        try insert(db, record)
        return try binding.map { try insertBinding(db, key: record.key, $0, at: time) }
    }

    /// Writes the state (and optionally the last error) of a session.
    package static func setState(_ db: Database, key: SessionKey, _ state: SessionState, at time: Double,
                         error: ACPError? = nil, clearError: Bool = false, activityAt: Double? = nil) throws {
        var sql = "UPDATE acp_sessions SET state = ?, updated_at = ?"
        var arguments: StatementArguments = [state.rawValue, time]
        if let activityAt {
            sql += ", last_activity_at = ?"
            arguments += [activityAt]
        }
        if let error {
            sql += ", last_error_code = ?, last_error = ?"
            arguments += [error.code.rawValue, error.message]
        } else if clearError {
            sql += ", last_error_code = NULL, last_error = NULL"
        }
        if state == .closed {
            sql += ", closed_at = ?"
            arguments += [time]
        }
        sql += " WHERE key = ?"
        arguments += [key.rawValue]
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    static func setAgentSessionId(_ db: Database, key: SessionKey, _ id: String?, at time: Double) throws {
        try db.cachedStatement(sql: "UPDATE acp_sessions SET agent_session_id = ?, updated_at = ? WHERE key = ?").execute(arguments: [id, time, key.rawValue])
    }

    /// Stamps the session's and its active bindings' last activity; with `state`, also sets the
    /// session's state in the same UPDATE (`.closed` goes through `setState`, which also stamps
    /// `closed_at`).
    package static func touch(_ db: Database, key: SessionKey, at time: Double, settingState state: SessionState? = nil) throws {
        switch state {
        case nil:
            try db.cachedStatement(sql: "UPDATE acp_sessions SET last_activity_at = ? WHERE key = ?").execute(arguments: [time, key.rawValue])
        case .closed?:
            try db.cachedStatement(sql: "UPDATE acp_sessions SET last_activity_at = ? WHERE key = ?").execute(arguments: [time, key.rawValue])
            try setState(db, key: key, .closed, at: time)
        case let state?:
            try db.cachedStatement(sql: "UPDATE acp_sessions SET last_activity_at = ?, state = ?, updated_at = ? WHERE key = ?")
                .execute(arguments: [time, state.rawValue, time, key.rawValue])
        }
        try touchBindings(db, key: key, at: time)
    }

    /// How stale a binding's `last_activity_at` may get under traffic, in seconds. Stamping it at
    /// every submit and every run's end wrote the bindings page twice per message; within this
    /// granularity the row is left alone (the statement matches nothing, no page is written).
    /// Idle expiry counts in hours (`runtimeBindings.idleHours` ≥ 1), and its guard
    /// (`endRuntimeBinding(ifLastActivityAt:)`) still sees traffic after an idle hour, because a
    /// stamp that old is always renewed.
    package static let bindingActivityGranularity = 60.0

    /// Stamps the session's active bindings with `time`, unless their stamp is newer than
    /// `bindingActivityGranularity`.
    static func touchBindings(_ db: Database, key: SessionKey, at time: Double) throws {
        try db.cachedStatement(sql: """
            UPDATE acp_bindings SET last_activity_at = ? WHERE session_key = ? AND ended_at IS NULL AND last_activity_at <= ?
            """).execute(arguments: [time, key.rawValue, time - bindingActivityGranularity])
    }

    // MARK: Bindings

    static func activeBindings(_ db: Database, conversation: ConversationRef) throws -> [BindingRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM acp_bindings WHERE channel = ? AND account_id = ? AND conversation_id = ? AND ended_at IS NULL ORDER BY id
            """), arguments: [conversation.channel.rawValue, conversation.accountId, conversation.conversationId]).map(BindingRecord.init(row:))
    }

    static func binding(_ db: Database, id: Int64) throws -> BindingRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM acp_bindings WHERE id = ?"), arguments: [id]).map(BindingRecord.init(row:))
    }

    /// Binds `binding.conversation` to `key`. Binding the same conversation to the same session
    /// again with the same source returns the existing binding; another session already bound
    /// there with that source is `ACP_BINDING_CONFLICT`.
    package static func insertBinding(_ db: Database, key: SessionKey, _ binding: NewBinding, at time: Double) throws -> BindingRecord {
        let existing = try activeBindings(db, conversation: binding.conversation).filter { $0.source == binding.source }
        if let current = existing.first {
            if current.sessionKey == key { return current }
            throw ACPError(.bindingConflict, message: "this conversation is already bound to \(current.sessionKey)",
                           detail: "binding \(current.id) source \(current.source.rawValue)")
        }
        let c = binding.conversation
        try db.cachedStatement(sql: """
            INSERT INTO acp_bindings (source, channel, account_id, conversation_id, parent_conversation_id, session_key, persist,
              created_at, last_activity_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [binding.source.rawValue, c.channel.rawValue, c.accountId, c.conversationId, c.parentConversationId,
                             key.rawValue, binding.persist, time, time, binding.expiresAt?.timeIntervalSince1970])
        guard let record = try self.binding(db, id: db.lastInsertedRowID) else {
            throw RecordDecodingError("acp_bindings.id", "\(db.lastInsertedRowID)")
        }
        return record
    }

    /// Makes binding `id` persistent (no expiry).
    static func makePersistent(_ db: Database, bindingId id: Int64) throws {
        try db.cachedStatement(sql: "UPDATE acp_bindings SET persist = 1, expires_at = NULL WHERE id = ?").execute(arguments: [id])
    }

    /// Ends the active bindings of a session with the given sources; returns how many ended.
    @discardableResult
    static func endBindings(_ db: Database, key: SessionKey, sources: [BindingSource], reason: String, at time: Double) throws -> Int {
        guard !sources.isEmpty else { return 0 }
        let placeholders = sources.map { _ in "?" }.joined(separator: ", ")
        var arguments: StatementArguments = [time, reason, key.rawValue]
        arguments += StatementArguments(sources.map(\.rawValue))
        try db.execute(sql: """
            UPDATE acp_bindings SET ended_at = ?, end_reason = ? WHERE session_key = ? AND ended_at IS NULL AND source IN (\(placeholders))
            """, arguments: arguments)
        return db.changesCount
    }

    /// How far apart two stored activity times may be and still count as the same (timestamps
    /// go through `Date` and back, which may move the last bits of the `Double`).
    static let activityTolerance = 0.001

    /// Ends the active runtime binding of `conversation` only if it points to `key` and its
    /// `last_activity_at` is `lastActivityAt` (within `activityTolerance`); true when it ended.
    static func endRuntimeBinding(_ db: Database, conversation: ConversationRef, key: SessionKey, ifLastActivityAt lastActivityAt: Double,
                                  reason: String, at time: Double) throws -> Bool {
        try db.cachedStatement(sql: """
            UPDATE acp_bindings SET ended_at = ?, end_reason = ?
            WHERE source = 'runtime' AND channel = ? AND account_id = ? AND conversation_id = ? AND session_key = ?
              AND ended_at IS NULL AND abs(last_activity_at - ?) < ?
            """).execute(arguments: [time, reason, conversation.channel.rawValue, conversation.accountId, conversation.conversationId,
                             key.rawValue, lastActivityAt, activityTolerance])
        return db.changesCount > 0
    }

    /// Ends one binding; returns false when it was not active.
    static func endBinding(_ db: Database, id: Int64, reason: String, at time: Double) throws -> Bool {
        try db.cachedStatement(sql: "UPDATE acp_bindings SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL").execute(arguments: [time, reason, id])
        return db.changesCount > 0
    }
}
