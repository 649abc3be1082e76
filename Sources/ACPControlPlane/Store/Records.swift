#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A session as stored in `acp_sessions`.
public struct SessionRecord: Sendable, Equatable {
    public var key: SessionKey
    public var agentId: String
    public var cwd: String
    public var mode: SessionMode
    /// The runtime backend id (`stdio`, `acpx`).
    public var backend: String
    public var label: String?
    public var state: SessionState
    /// The agent's ACP `sessionId`, kept to resume with `session/load`.
    public var agentSessionId: String?
    public var lastErrorCode: ACPError.Code?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var lastActivityAt: Date
    public var closedAt: Date?

    public init(key: SessionKey, agentId: String, cwd: String, mode: SessionMode = .persistent, backend: String,
                label: String? = nil, state: SessionState = .idle, agentSessionId: String? = nil,
                lastErrorCode: ACPError.Code? = nil, lastError: String? = nil,
                createdAt: Date = Date(), updatedAt: Date? = nil, lastActivityAt: Date? = nil, closedAt: Date? = nil) {
        self.key = key
        self.agentId = agentId
        self.cwd = cwd
        self.mode = mode
        self.backend = backend
        self.label = label
        self.state = state
        self.agentSessionId = agentSessionId
        self.lastErrorCode = lastErrorCode
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.lastActivityAt = lastActivityAt ?? createdAt
        self.closedAt = closedAt
    }
}

/// Where a binding comes from (CONTRACT.md §1).
public enum BindingSource: String, Sendable, Codable, CaseIterable {
    case config, runtime, route
}

/// A binding (conversation → session) as stored in `acp_bindings`.
public struct BindingRecord: Sendable, Equatable {
    public var id: Int64
    public var source: BindingSource
    public var conversation: ConversationRef
    public var sessionKey: SessionKey
    /// A runtime binding made with `--persist` never expires.
    public var persist: Bool
    public var createdAt: Date
    public var lastActivityAt: Date
    public var expiresAt: Date?
    /// Set once the binding ended; ended bindings are kept for the record.
    public var endedAt: Date?
    public var endReason: String?

    public var isActive: Bool { endedAt == nil }
}

/// What a new binding looks like; the store assigns id and timestamps.
public struct NewBinding: Sendable, Equatable {
    public var source: BindingSource
    public var conversation: ConversationRef
    public var persist: Bool
    public var expiresAt: Date?

    /// A binding to create. Config and route bindings live as long as the config declares them:
    /// they are always stored persistent; `persist` matters for runtime bindings only.
    public init(source: BindingSource, conversation: ConversationRef, persist: Bool = false, expiresAt: Date? = nil) {
        self.source = source
        self.conversation = conversation
        self.persist = persist || source != .runtime
        self.expiresAt = expiresAt
    }
}

/// Where a queued run sits: steered runs go ahead of normal ones (FIFO within each lane).
public enum RunLane: Int, Sendable, Codable {
    case steer = 0
    case normal = 1
}

/// A run as stored in `acp_runs`.
public struct RunRecord: Sendable, Equatable {
    public var id: RunID
    public var sessionKey: SessionKey
    /// Submission order within the session (strictly increasing).
    public var ordinal: Int64
    public var lane: RunLane
    public var state: RunState
    /// The conversation that submitted the run; its output goes there.
    public var conversation: ConversationRef?
    public var prompt: [ContentBlock]
    public var stopReason: String?
    public var errorCode: ACPError.Code?
    public var errorMessage: String?
    /// The `seq` of the last event committed for this run (0: none).
    public var lastSeq: Int64
    public var submittedAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
}

extension Row {
    func date(_ column: String) throws -> Date { Date(timeIntervalSince1970: try self[column]) }
    func optionalDate(_ column: String) throws -> Date? {
        (try self[column] as Double?).map(Date.init(timeIntervalSince1970:))
    }
    func conversation() throws -> ConversationRef? {
        guard let channel: String = try self["channel"], let conversationId: String = try self["conversation_id"] else { return nil }
        return ConversationRef(channel: .init(channel), accountId: try self["account_id"] ?? ConversationRef.defaultAccount,
                               conversationId: conversationId, parentConversationId: try self["parent_conversation_id"])
    }
}

extension SessionRecord {
    init(row: Row) throws {
        guard let key = try SessionKey(row["key"]) else { throw try RecordDecodingError("acp_sessions.key", row["key"]) }
        guard let mode = try SessionMode(rawValue: row["mode"]) else { throw try RecordDecodingError("acp_sessions.mode", row["mode"]) }
        guard let state = try SessionState(rawValue: row["state"]) else { throw try RecordDecodingError("acp_sessions.state", row["state"]) }
        try self.init(key: key, agentId: row["agent_id"], cwd: row["cwd"], mode: mode, backend: row["backend"],
                  label: row["label"], state: state, agentSessionId: row["agent_session_id"],
                  lastErrorCode: (row["last_error_code"] as String?).flatMap(ACPError.Code.init(rawValue:)),
                  lastError: row["last_error"], createdAt: row.date("created_at"), updatedAt: row.date("updated_at"),
                  lastActivityAt: row.date("last_activity_at"), closedAt: row.optionalDate("closed_at"))
    }
}

extension BindingRecord {
    init(row: Row) throws {
        guard let source = try BindingSource(rawValue: row["source"]) else { throw try RecordDecodingError("acp_bindings.source", row["source"]) }
        guard let key = try SessionKey(row["session_key"]) else { throw try RecordDecodingError("acp_bindings.session_key", row["session_key"]) }
        guard let conversation = try row.conversation() else { throw RecordDecodingError("acp_bindings.conversation", nil) }
        try self.init(id: row["id"], source: source, conversation: conversation, sessionKey: key,
                  persist: row["persist"], createdAt: row.date("created_at"), lastActivityAt: row.date("last_activity_at"),
                  expiresAt: row.optionalDate("expires_at"), endedAt: row.optionalDate("ended_at"), endReason: row["end_reason"])
    }
}

extension RunRecord {
    init(row: Row) throws {
        guard let id = try RunID(row["id"]) else { throw try RecordDecodingError("acp_runs.id", row["id"]) }
        guard let key = try SessionKey(row["session_key"]) else { throw try RecordDecodingError("acp_runs.session_key", row["session_key"]) }
        guard let state = try RunState(rawValue: row["state"]) else { throw try RecordDecodingError("acp_runs.state", row["state"]) }
        let promptText: String = try row["prompt"]
        let prompt = try JSONDecoder().decode([ContentBlock].self, from: Data(promptText.utf8))
        try self.init(id: id, sessionKey: key, ordinal: row["ordinal"], lane: RunLane(rawValue: row["lane"]) ?? .normal,
                  state: state, conversation: row.conversation(), prompt: prompt, stopReason: row["stop_reason"],
                  errorCode: (row["error_code"] as String?).flatMap(ACPError.Code.init(rawValue:)),
                  errorMessage: row["error_message"], lastSeq: row["last_seq"], submittedAt: row.date("submitted_at"),
                  startedAt: row.optionalDate("started_at"), endedAt: row.optionalDate("ended_at"))
    }
}

/// A stored value that this binary cannot read back (a bug or a hand-edited store).
struct RecordDecodingError: Error, CustomStringConvertible {
    let field: String
    let value: String?
    init(_ field: String, _ value: String?) {
        self.field = field
        self.value = value
    }
    var description: String { "cannot decode \(field) from \(value.map { "\"\($0.prefix(80))\"" } ?? "NULL")" }
}
