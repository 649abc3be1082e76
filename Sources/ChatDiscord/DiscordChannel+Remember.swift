import ACPControlPlane
import ChatCore

/// A run's Discord messages in the store while its delivery is under way, as the Telegram channel
/// keeps its own: after a crash, delivery adopts them and edits them in place instead of posting
/// what the user already saw again (found by the chaos trials, docs/reliability.md).
extension DiscordChannel {
    /// The nonce of a run's next new message in `conversation`: a hash of the run, the conversation
    /// and the message's place among the run's messages recorded there, so a restart that sends
    /// that message again sends the same nonce and Discord (`enforce_nonce`) returns the message
    /// it already has instead of posting it twice. This closes the moment between Discord creating
    /// a message and acpd recording it.
    /// Nil for messages of no run, or without a store.
    func nonce(for conversation: ConversationRef, context: OutgoingContext) -> String? {
        guard let run = context.runId, let store = store.withLock({ $0 }),
              let slot = try? store.channelMessages(of: run, in: conversation).count else { return nil }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "\(run.rawValue):\(conversation.canonical):\(slot)".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return "acpd-" + String(hash, radix: 16)
    }

    /// Keeps a run's message ids in `store` from now on (the daemon opens the store after making channels).
    public func attach(store: ControlPlaneStore) {
        self.store.withLock { $0 = store }
    }

    /// Records a run's message (new or edited) with the checkpoint the operation completes, in one
    /// transaction; the run's final operation drops its records. Best effort: the message is out,
    /// so a store error is logged, not thrown.
    func remember(_ message: MessageRef, text: String, context: OutgoingContext, isNew: Bool) {
        guard let run = context.runId, let store = store.withLock({ $0 }) else { return }
        do {
            if context.isFinal {
                try store.forgetPlatformMessages(of: run, in: message.conversation, advancing: context.checkpoint)
            } else if isNew {
                try store.recordPlatformMessage(message.messageId, in: message.conversation, kind: context.kind.rawValue, run: run,
                                                text: text, advancing: context.checkpoint)
            } else {
                try store.updatePlatformMessage(message.messageId, in: message.conversation, text: text, advancing: context.checkpoint)
            }
        } catch {
            logger.error("cannot record a sent message; after a restart its text may be posted again",
                         metadata: ["run": "\(run)", "message": "\(message.messageId)", "error": "\(error)"])
        }
    }
}
