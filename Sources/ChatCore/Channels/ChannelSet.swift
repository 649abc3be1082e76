import ACPControlPlane

/// The chat channels the daemon runs, and which one carries a conversation: the channel of the
/// conversation's kind that serves its account (a channel with an `accountId` before one that
/// serves every account).
public struct ChannelSet: Sendable {
    /// Every channel, in the order given.
    public let all: [any ChatChannel]

    /// A set of `channels`.
    public init(_ channels: [any ChatChannel]) {
        all = channels
    }

    /// The channel that carries `conversation`, nil when none runs for it (fail closed: output for
    /// a conversation without its channel is not sent anywhere else).
    public func channel(for conversation: ConversationRef) -> (any ChatChannel)? {
        all.first { $0.accountId != nil && $0.carries(conversation) } ?? all.first { $0.carries(conversation) }
    }

    /// The channels of one kind (every account).
    public func channels(of kind: ConversationRef.Channel) -> [any ChatChannel] {
        all.filter { $0.kind == kind }
    }
}
