import ACPControlPlane
import Bindings
import Foundation

/// The `http` channel (CONTRACT.md §7): inbound arrives through `POST /v1/messages`, which hands
/// each message straight to the router (the HTTP answer carries the router's outcome), so
/// `inbound` yields nothing and only ends at shutdown. Outbound goes into `HTTPMessageLog`, read
/// back with `GET /v1/conversations/{id}/messages` and `/events`.
final class HTTPChannel: ChatChannel {
    let kind: ConversationRef.Channel = .http
    let capabilities = ChannelCapabilities(maxMessageLength: 16_000, supportsEdit: true, supportsButtons: false)
    let inbound: AsyncStream<InboundMessage>
    private let inboundContinuation: AsyncStream<InboundMessage>.Continuation
    /// Where delivered messages are kept.
    let log: HTTPMessageLog

    /// A channel writing into `log`.
    init(log: HTTPMessageLog = HTTPMessageLog()) {
        self.log = log
        (inbound, inboundContinuation) = AsyncStream<InboundMessage>.makeStream()
    }

    /// The log key of a conversation (account and id).
    static func logKey(accountId: String, conversationId: String) -> String { "\(accountId)/\(conversationId)" }

    /// Normalises a `POST /v1/messages` body into an inbound message; throws `ACP_INVALID_ARGUMENT`
    /// for a conversation id outside the http form.
    static func inboundMessage(accountId: String?, conversationId: String, senderId: String, text: String,
                               messageId: String, idempotencyKey: String?) throws(ACPError) -> InboundMessage {
        let conversation = try ConversationIDs.parse(conversationId, channel: .http,
                                                     accountId: accountId ?? ConversationRef.defaultAccount)
        let key = idempotencyKey ?? messageId
        return InboundMessage(conversation: conversation, senderId: senderId, text: text, platformMessageId: messageId,
                              idempotencyKey: "http:\(conversation.accountId):\(key)")
    }

    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef {
        let message = await log.append(conversation: Self.logKey(accountId: conversation.accountId,
                                                                  conversationId: conversation.conversationId),
                                       text: text, context: context)
        return MessageRef(conversation: conversation, messageId: message.id)
    }

    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        let key = Self.logKey(accountId: message.conversation.accountId, conversationId: message.conversation.conversationId)
        guard await log.edit(conversation: key, id: message.messageId, text: text, context: context) else {
            throw ChannelError.permanent("message \(message.messageId) is no longer in the http message log")
        }
    }

    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        throw ChannelError.notSupported("the http channel has no threads")
    }

    /// Ends `inbound` and every event stream.
    func stop() async {
        inboundContinuation.finish()
        await log.finishAll()
    }
}
