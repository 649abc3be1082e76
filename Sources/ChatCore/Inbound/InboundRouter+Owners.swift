import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Telling the owners about something that needs them (a new pairing request).
extension InboundRouter {
    /// How owners are told: the notifier given at init, else `notifyOwnersDirectly`.
    var notifyOwners: OwnerNotifier {
        ownerNotifier ?? { [self] text in await self.notifyOwnersDirectly(text) }
    }

    /// Logs `text` (already redacted) and sends it as a notice to each owner of `access.owners`
    /// (with `buttons`) in their private conversation with the bot, where their channel runs and has one
    /// (Telegram: the owner's private chat; Discord: a DM channel; http and console have none: log only). An
    /// owner who cannot be reached is logged, never an error: the log always carries the notice.
    func notifyOwnersDirectly(_ text: String, buttons: [[ChatButton]] = []) async {
        logger.notice("owner notice", metadata: ["text": "\(text)"])
        for owner in config.access.owners {
            guard let channel = channels.channels(of: owner.channel).first else { continue }
            do {
                let conversation = try await channel.directConversation(with: owner.id)
                await outbox.post(text, to: conversation, kind: .notice, buttons: buttons)
            } catch ChannelError.notSupported {
                continue
            } catch {
                logger.warning("owner not notified", metadata: ["owner": "\(owner)", "error": "\(error)"])
            }
        }
    }
}
