import ACPControlPlane
import Bindings
import ChatHTTP
import JSONKit

/// `POST /v1/messages` bodies after the JSON parser: the http channel either refuses the ids or
/// builds a message whose conversation is canonical (its canonical form parses back to it, and
/// the id it was given formats back unchanged); conversation ids of every channel keep
/// `format(parse(x)) == x`.
enum HTTPBodyFuzz {
    static let target = FuzzTarget(name: "http-body", dictionary: [
        "{\"conversationId\":\"", "\",\"senderId\":\"", "\",\"text\":\"", "\",\"messageId\":\"", "\",\"accountId\":\"", "\"}",
        ":", "topic:", "-100", "default", "\\u0000", "/", " ", "..", "%2F",
    ]) { bytes throws(FuzzFailure) in
        guard let body = try? JSONParser.parse(bytes) else { return }
        let conversation = body["conversationId"]?.stringValue ?? ""
        let account = body["accountId"]?.stringValue
        if let message = try? HTTPChannel.inboundMessage(accountId: account, conversationId: conversation,
                                                          senderId: body["senderId"]?.stringValue ?? "s", text: body["text"]?.stringValue ?? "t",
                                                          messageId: body["messageId"]?.stringValue ?? "m", idempotencyKey: nil) {
            try fuzzCheck(ConversationIDs.format(message.conversation) == conversation,
                          "the http conversation \(conversation.debugDescription) became \(message.conversation.conversationId.debugDescription)")
            try canonicalRoundTrip(message.conversation)
        }
        for channel in [ConversationRef.Channel.telegram, .discord, .http] {
            guard let ref = try? ConversationIDs.parse(conversation, channel: channel, accountId: account ?? ConversationRef.defaultAccount) else { continue }
            try fuzzCheck(ConversationIDs.format(ref) == conversation, "\(channel) id \(conversation.debugDescription) formats as \(ConversationIDs.format(ref).debugDescription)")
            try canonicalRoundTrip(ref)
        }
    }

    /// A conversation's canonical form parses back to it (its parent, which the canonical form
    /// does not carry, aside).
    static func canonicalRoundTrip(_ ref: ConversationRef) throws(FuzzFailure) {
        let again = try? ConversationIDs.parseCanonical(ref.canonical)
        try fuzzCheck(again?.channel == ref.channel && again?.accountId == ref.accountId && again?.conversationId == ref.conversationId, "\(ref.canonical.debugDescription) does not parse back to its conversation (got \(String(describing: again)))")
    }
}
