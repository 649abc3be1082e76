#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A sender an owner approved (`/acp approve`, `acpd pairing approve`), with the role given.
public struct ApprovedSender: Sendable, Equatable {
    public let channel: ConversationRef.Channel
    public let senderId: String
    public let role: SenderRole
    /// The pairing request it answered, if any.
    public let requestId: Int64?
    public let approvedAt: Date
    /// Who approved it (`telegram:111`, `cli:alice`, `api`).
    public let approvedBy: String

    /// `<channel>:<id>`.
    public var sender: String { "\(channel.rawValue):\(senderId)" }
}

/// Pairing decisions with roles, approved senders, revocation, and telling senders the outcome.
extension ControlPlaneStore {
    /// Approves (with `role`) or denies the pending request `id`, in one transaction with its
    /// approved-sender row and `audit` (when given; its `detail` is filled in). Returns the
    /// request as decided, or nil when no pending request has that id (nothing is written then).
    public func decidePairing(id: Int64, approve: Bool, role: SenderRole, by decider: String,
                              audit: AuditEntry?) throws -> PairingRequest? {
        let time = timestamp
        return try write { db in
            try db.cachedStatement(sql: """
                UPDATE pairing_requests SET state = ?, decided_at = ?, decided_by = ?, role = ?
                WHERE id = ? AND state = 'pending'
                """).execute(arguments: [approve ? "approved" : "denied", time, decider, approve ? role.rawValue : nil, id])
            guard db.changesCount > 0 else { return nil }
            guard let request = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM pairing_requests WHERE id = ?"),
                                                 arguments: [id]).map(Self.pairing) else { return nil }
            if approve {
                try db.cachedStatement(sql: """
                    INSERT INTO approved_senders (channel, sender_id, role, request_id, approved_at, approved_by) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (channel, sender_id) DO UPDATE SET role = excluded.role, request_id = excluded.request_id,
                        approved_at = excluded.approved_at, approved_by = excluded.approved_by
                    """).execute(arguments: [request.channel.rawValue, request.senderId, role.rawValue, id, time, decider])
            }
            if var audit {
                audit.detail = "request \(id) from \(request.channel.rawValue):\(request.senderId)" + (approve ? " as \(role.rawValue)" : "")
                try Self.insertAudit(db, audit, at: time)
            }
            return request
        }
    }

    /// The approved sender `<channel>:<senderId>`, if any (one keyed read: every inbound message asks).
    public func approvedSender(channel: ConversationRef.Channel, senderId: String) throws -> ApprovedSender? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM approved_senders WHERE channel = ? AND sender_id = ?"),
                             arguments: [channel.rawValue, senderId]).map(Self.approved)
        }
    }

    /// Every approved sender, oldest approval first.
    public func approvedSenders() throws -> [ApprovedSender] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM approved_senders ORDER BY approved_at, channel, sender_id")).map(Self.approved)
        }
    }

    /// Takes an owner's approval back: removes the approved sender `<channel>:<senderId>` and its
    /// pairing requests (a later message from it makes a new request), with `audit` in the same
    /// transaction. Returns what was removed, or nil when the sender was not approved (nothing written).
    public func revokeSender(channel: ConversationRef.Channel, senderId: String, audit: AuditEntry?) throws -> ApprovedSender? {
        let time = timestamp
        return try write { db in
            guard let sender = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM approved_senders WHERE channel = ? AND sender_id = ?"),
                                                arguments: [channel.rawValue, senderId]).map(Self.approved) else { return nil }
            try db.cachedStatement(sql: "DELETE FROM approved_senders WHERE channel = ? AND sender_id = ?")
                .execute(arguments: [channel.rawValue, senderId])
            try db.cachedStatement(sql: "DELETE FROM pairing_requests WHERE channel = ? AND sender_id = ?")
                .execute(arguments: [channel.rawValue, senderId])
            if var audit {
                audit.detail = "\(sender.sender) (was \(sender.role.rawValue))"
                try Self.insertAudit(db, audit, at: time)
            }
            return sender
        }
    }

    /// Decided requests whose sender was not told yet (oldest first), at most `limit`.
    public func pairingDecisionsToTell(limit: Int = 32) throws -> [PairingRequest] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM pairing_requests WHERE state != 'pending' AND notice_state IS NULL ORDER BY id LIMIT ?
                """), arguments: [limit]).map(Self.pairing)
        }
    }

    /// Claims telling the sender of request `id` (true when this call claimed it). A claim a crash
    /// left behind is never taken again: the sender is told at most once.
    public func claimPairingNotice(id: Int64) throws -> Bool {
        try write { db in
            try db.cachedStatement(sql: "UPDATE pairing_requests SET notice_state = 'sending' WHERE id = ? AND notice_state IS NULL")
                .execute(arguments: [id])
            return db.changesCount > 0
        }
    }

    /// Ends a claim: `told` marks the notice sent for good; false gives it back (the send failed
    /// for sure, e.g. the account is stopped) so that a later attempt tells the sender.
    public func finishPairingNotice(id: Int64, told: Bool) throws {
        try write { db in
            try db.cachedStatement(sql: "UPDATE pairing_requests SET notice_state = ? WHERE id = ? AND notice_state = 'sending'")
                .execute(arguments: [told ? "told" : nil, id])
        }
    }

    private static func approved(_ row: Row) throws -> ApprovedSender {
        guard let role = try SenderRole(rawValue: row["role"]) else { throw try RecordDecodingError("approved_senders.role", row["role"]) }
        return try ApprovedSender(channel: .init(row["channel"]), senderId: row["sender_id"], role: role, requestId: row["request_id"],
                                  approvedAt: row.date("approved_at"), approvedBy: row["approved_by"])
    }
}
