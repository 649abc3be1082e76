import ACPControlPlane
import Foundation
import Logging

/// Delivers agent output to chat: follows the store's event stream, keeps one `DeliveryProjector`
/// and `ConversationSendQueue` per (run, destination conversation), and advances the delivery
/// checkpoint after each successful send. Output goes only to the conversation the run came from;
/// a run without one is not delivered (fail closed).
public actor DeliveryService {
    let config: ACPDConfig
    let store: ControlPlaneStore
    let channels: [ConversationRef.Channel: any ChatChannel]
    let logger: Logger

    /// A service over `store` delivering through `channels` (one per channel kind).
    public init(config: ACPDConfig, store: ControlPlaneStore, channels: [any ChatChannel], logger: Logger) {
        self.config = config
        self.store = store
        var byKind: [ConversationRef.Channel: any ChatChannel] = [:]
        for channel in channels { byKind[channel.kind] = channel }
        self.channels = byKind
        self.logger = logger
    }

    /// Offers undelivered output again, then follows new events until the calling task is cancelled.
    public func run() async {}
}
