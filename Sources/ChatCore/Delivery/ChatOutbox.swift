import ACPControlPlane

/// Where standalone messages (command replies, notices, owner notices) are handed to be sent: the
/// conversation's send queue, behind what is queued there. `DeliveryService` is the one
/// implementation in the daemon; nothing else calls `ChatChannel.send`.
public protocol ChatOutbox: Sendable {
    /// Sends `text` (redacted, split to the channel's limit) to `conversation` and returns once it
    /// was applied, with what became of it.
    func post(_ text: String, to conversation: ConversationRef, kind: OutgoingContext.Kind,
              buttons: [[ChatButton]]) async -> PostReceipt
}

extension ChatOutbox {
    /// Sends `text` without buttons.
    @discardableResult
    public func post(_ text: String, to conversation: ConversationRef, kind: OutgoingContext.Kind) async -> PostReceipt {
        await post(text, to: conversation, kind: kind, buttons: [])
    }
}
