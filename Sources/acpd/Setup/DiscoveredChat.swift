import Bindings

/// The conversation a wizard found from the next message: where it is, who sent it, and the
/// binding's peer for it.
struct DiscoveredChat {
    /// `telegram` or `discord`.
    var channel: String
    /// The binding's `match.peer.kind`: `direct`, `group` or `channel`.
    var peerKind: String
    /// The binding's `match.peer.id` (acpd's conversation id, e.g. `-100…:topic:42`).
    var conversationId: String
    /// What the wizard prints, one line each ("chat: …", "topic: …", "sender: …").
    var description: [String]
    /// The sender as an access entry (`telegram:123`); nil when the message names none (a
    /// Telegram channel post).
    var sender: String?
}
