#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A pairing request from an unknown sender (`access.unknownSenders: request_approval`).
public struct PairingRequest: Sendable, Equatable {
    public enum State: String, Sendable { case pending, approved, denied }
    public let id: Int64
    public let channel: ConversationRef.Channel
    public let accountId: String
    public let senderId: String
    public let displayName: String?
    public let conversationId: String?
    public let state: State
    public let createdAt: Date
    public let decidedAt: Date?
    public let decidedBy: String?
    /// The role an approved request gave (nil while pending, when denied, or for old rows).
    public let role: SenderRole?
}

/// Channel cursors (e.g. Telegram `getUpdates` offsets) and pairing requests.
extension ControlPlaneStore {
    /// The stored cursor of a channel account, if any.
    public func cursor(channel: ConversationRef.Channel, accountId: String) throws -> String? {
        try read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT cursor FROM channel_cursors WHERE channel = ? AND account_id = ?"),
                                arguments: [channel.rawValue, accountId])
        }
    }

    /// Stores the cursor of a channel account (replacing the previous one).
    public func setCursor(_ cursor: String, channel: ConversationRef.Channel, accountId: String) throws {
        let time = timestamp
        try write { db in
            try db.cachedStatement(sql: """
                INSERT INTO channel_cursors (channel, account_id, cursor, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (channel, account_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
                """).execute(arguments: [channel.rawValue, accountId, cursor, time])
        }
    }

    /// Records a pairing request; one per sender: an existing request (any state) is returned unchanged.
    /// `created` tells whether this call made it.
    public func recordPairingRequest(channel: ConversationRef.Channel, accountId: String, senderId: String,
                                     displayName: String?, conversationId: String?) throws -> (request: PairingRequest, created: Bool) {
        let time = timestamp
        return try write { db in
            try db.cachedStatement(sql: """
                INSERT INTO pairing_requests (channel, account_id, sender_id, display_name, conversation_id, state, created_at)
                VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (channel, account_id, sender_id) DO NOTHING
                """).execute(arguments: [channel.rawValue, accountId, senderId, displayName, conversationId, time])
            let created = db.changesCount > 0
            guard let request = try Self.pairingRequest(db, channel: channel, accountId: accountId, senderId: senderId) else {
                throw RecordDecodingError("pairing_requests", senderId)
            }
            return (request, created)
        }
    }

    /// The pairing request of one sender (there is at most one), if any.
    public func pairingRequest(channel: ConversationRef.Channel, accountId: String, senderId: String) throws -> PairingRequest? {
        try read { db in try Self.pairingRequest(db, channel: channel, accountId: accountId, senderId: senderId) }
    }

    private static func pairingRequest(_ db: Database, channel: ConversationRef.Channel, accountId: String,
                                       senderId: String) throws -> PairingRequest? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM pairing_requests WHERE channel = ? AND account_id = ? AND sender_id = ?"),
                         arguments: [channel.rawValue, accountId, senderId]).map(Self.pairing)
    }

    /// Pairing requests, oldest first; `state` nil means all.
    public func pairingRequests(state: PairingRequest.State? = .pending) throws -> [PairingRequest] {
        try read { db in
            let rows = if let state {
                try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM pairing_requests WHERE state = ? ORDER BY id"), arguments: [state.rawValue])
            } else {
                try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM pairing_requests ORDER BY id"))
            }
            return try rows.map(Self.pairing)
        }
    }

    /// Approves (as `operator`) or denies a pending request; returns it, or nil when there is no
    /// pending request with that id (see `decidePairing` for roles and the audit row).
    public func decidePairingRequest(id: Int64, approve: Bool, by decider: String) throws -> PairingRequest? {
        try decidePairing(id: id, approve: approve, role: .operator, by: decider, audit: nil)
    }

    static func pairing(_ row: Row) throws -> PairingRequest {
        guard let state = try PairingRequest.State(rawValue: row["state"]) else { throw try RecordDecodingError("pairing_requests.state", row["state"]) }
        return try PairingRequest(id: row["id"], channel: .init(row["channel"]), accountId: row["account_id"], senderId: row["sender_id"],
                              displayName: row["display_name"], conversationId: row["conversation_id"], state: state,
                              createdAt: row.date("created_at"), decidedAt: row.optionalDate("decided_at"), decidedBy: row["decided_by"],
                              role: (row["role"] as String?).flatMap(SenderRole.init(rawValue:)))
    }
}
