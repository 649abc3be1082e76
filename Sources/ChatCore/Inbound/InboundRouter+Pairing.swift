import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Pairing (`access.unknownSenders: request_approval`) with roles: the sender's standing, one
/// request per unknown sender with a notice to each owner (Approve / Deny buttons), and the
/// owners' `/acp approve <id> [--role]` / `/acp deny <id>`.
extension InboundRouter {
    /// The sender's pairing standing. An approved sender (in the store, with its role) counts
    /// under every `unknownSenders` mode: an owner's approval is a list like `access.allowFrom`.
    /// Pending and denied requests only matter under `request_approval`.
    func pairingStatus(_ sender: SenderRef, conversation: ConversationRef) -> PairingStatus {
        // Owners, `allowFrom` and everyone under `public` rank above any pairing: no store read.
        if gate.evaluator.rank(sender, pairing: .none) > .unknown { return .none }
        do {
            if let approved = try store.approvedSender(channel: sender.channel, senderId: sender.id) {
                return approved.role == .operator ? .approved : .approvedMember
            }
            guard config.access.unknownSenders == .requestApproval else { return .none }
            // One request per sender (unique in the store): a keyed lookup, not a scan of all requests.
            guard let latest = try store.pairingRequest(channel: sender.channel, accountId: conversation.accountId,
                                                        senderId: sender.id) else { return .none }
            switch latest.state {
            case .pending: return .pending
            // Approved without an approved-sender row cannot outlive a revoke (which deletes both):
            // treat it as not answered rather than as access.
            case .approved: return .pending
            case .denied: return .denied
            }
        } catch {
            logger.error("pairing requests unavailable", metadata: ["error": "\(error)"])
            return .none
        }
    }

    /// Records one pairing request per unknown sender and tells the owners about a new one: a
    /// direct message to each owner on the owner's own channel with Approve / Approve as member /
    /// Deny buttons (they send the typed commands), and the log.
    func requestApproval(_ sender: SenderRef, message: InboundMessage) async {
        do {
            let (request, created) = try store.recordPairingRequest(
                channel: sender.channel, accountId: message.conversation.accountId, senderId: sender.id,
                displayName: nil, conversationId: message.conversation.conversationId)
            guard created else { return }
            let text = redactor.redact(
                "pairing request \(request.id) from \(sender) in \(message.conversation.canonical): answer /acp approve \(request.id) "
                + "[--role member] or /acp deny \(request.id)")
            if let ownerNotifier {
                await ownerNotifier(text)
            } else {
                await notifyOwnersDirectly(text, buttons: Self.pairingButtons(request.id))
            }
        } catch {
            logger.error("pairing request not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// The buttons of an owner's pairing notice; each sends the typed command.
    static func pairingButtons(_ id: Int64) -> [[ChatButton]] {
        [[ChatButton(label: "Approve", payload: "/acp approve \(id)"),
          ChatButton(label: "Approve as member", payload: "/acp approve \(id) --role member"),
          ChatButton(label: "Deny", payload: "/acp deny \(id)")]]
    }

    /// `/acp approve <id> [--role]`, `/acp deny <id>`: decides the request, writes the approved
    /// sender and the audit row in one transaction. The sender is told by `PairingNoticeService`.
    func decidePairing(_ id: String, approve: Bool, role: SenderRole, _ context: CommandContext) throws -> InboundOutcome {
        guard let number = Int64(id) else { throw ACPError(.invalidArgument, message: "pairing request ids are numbers") }
        let audit = AuditEntry(channel: context.conversation.channel.rawValue, accountId: context.conversation.accountId,
                               conversationId: context.conversation.conversationId, sender: context.sender.description,
                               command: approve ? "approve" : "deny", result: "ok")
        guard let request = try store.decidePairing(id: number, approve: approve, role: role, by: context.sender.description,
                                                    audit: audit) else {
            throw ACPError(.invalidArgument, message: "no pending pairing request \(id)", hint: "pending requests are listed by `acpd pairing` on the host")
        }
        let who = "\(request.channel.rawValue):\(request.senderId)"
        return ok(approve ? "approved \(who) as \(role.rawValue)" : "denied \(who)")
    }
}
