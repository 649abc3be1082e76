import ACPControlPlane
import ChatCore

/// A run's Discord messages in the store while its delivery is under way, as the Telegram channel
/// keeps its own: after a crash, delivery adopts them and edits them in place instead of posting
/// what the user already saw again (found by the chaos trials, docs/reliability.md).
extension DiscordChannel {
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
