/// One property every `ChatChannel` must have, checked through the production send path
/// (`ConversationSendQueue`) except where the queue has no part (threads, DMs).
public enum ConformanceCase: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A message is posted once, shows its text, and the returned `MessageRef` names it.
    case send
    /// An edit changes the message in place (same id, no new message); a channel without edits
    /// throws `notSupported` and the queue posts the new text instead.
    case editInPlace
    /// An edit with the text the message already has succeeds (Telegram's "message is not
    /// modified" is a success).
    case notModifiedEdit
    /// A text of 2.5 × `maxMessageLength`, split by `TextSplitter` and posted as one standalone
    /// message, arrives as ⌈2.5⌉ = 3 messages, each within the limit, that together are the text.
    case splitAtLimit
    /// Buttons are shown where `supportsButtons` (and an edit without buttons removes them);
    /// elsewhere they are ignored without error.
    case buttons
    /// `createThread`, a message into the thread, `removeThread`; or `notSupported` from
    /// `createThread` exactly when `supportsThreads` is false.
    case threads
    /// `directConversation` returns the same conversation twice and a message arrives there; or
    /// it throws `notSupported`.
    case directMessages
    /// A 429 with a retry-after becomes `rateLimited(retryAfter:)` (not shorter); the message
    /// arrives exactly once, not before the retry-after elapsed.
    case rateLimited
    /// A server error becomes a retryable error; the message arrives exactly once.
    case transientFailure
    /// A request the platform applied but whose answer was lost is never reported as a definite
    /// failure nor repeated into a duplicate: a send shows once, an edit shows its text once.
    case unknownOutcome
    /// Messages enqueued at once arrive in the order they were enqueued.
    case ordering

    public var description: String { rawValue }

    /// The fault the case needs the fake to inject, if any.
    var requiredFault: FaultKind? {
        switch self {
        case .rateLimited: .rateLimited
        case .transientFailure: .transient
        case .unknownOutcome: .outcomeUnknown
        default: nil
        }
    }
}
