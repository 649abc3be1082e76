import ACPControlPlane
import JSONKit

/// Pairing requests and approved senders as JSON (`GET /v1/pairing`, `acpd pairing --json`).
enum PairingListing {
    /// `{"requests": [...], "approved": [...]}`: every request (pending first is the caller's
    /// business: oldest first here) and every approved sender.
    static func json(_ store: ControlPlaneStore) throws -> JSONValue {
        ["requests": .array(try store.pairingRequests(state: nil).map(request)),
         "approved": .array(try store.approvedSenders().map(approved))]
    }

    static func request(_ request: PairingRequest) -> JSONValue {
        ["id": .int(request.id), "sender": JSONValue("\(request.channel.rawValue):\(request.senderId)"),
         "account": JSONValue(request.accountId), "conversation": JSONValue(request.conversationId),
         "state": JSONValue(request.state.rawValue), "role": JSONValue(request.role?.rawValue),
         "createdAt": APIResponses.time(request.createdAt), "decidedAt": APIResponses.time(request.decidedAt),
         "decidedBy": JSONValue(request.decidedBy)]
    }

    static func approved(_ sender: ApprovedSender) -> JSONValue {
        ["sender": JSONValue(sender.sender), "role": JSONValue(sender.role.rawValue), "requestId": sender.requestId.map { JSONValue.int($0) } ?? .null,
         "approvedAt": APIResponses.time(sender.approvedAt), "approvedBy": JSONValue(sender.approvedBy)]
    }
}
