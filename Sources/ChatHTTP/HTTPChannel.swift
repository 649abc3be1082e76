import ACPControlPlane
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ServiceLifecycle
import Synchronization

/// The `http` channel (CONTRACT.md §7): inbound arrives through `POST /v1/messages`
/// (`HTTPChannelRoutes`), which `submit`s each message into `inbound` and answers with the
/// router's outcome. Outbound goes into `HTTPMessageLog` (in the control-plane store), read back
/// with `GET /v1/conversations/{id}/messages` and `/events`.
///
/// As a `Service` it takes messages until graceful shutdown, then closes intake (a POST then
/// answers 503). The event streams end separately (`finishStreams`), after delivery drained.
/// The daemon creates the channel before it opens the store, then `attach(store:)`es it; a
/// send before that fails as transient (the send queue retries).
public final class HTTPChannel: ChatChannel {
    public let kind: ConversationRef.Channel = .http
    public let capabilities = ChannelCapabilities(maxMessageLength: 16_000, supportsEdit: true, supportsButtons: false)
    private let queue = InboundQueue()
    private let attached: Mutex<HTTPMessageLog?>

    /// A channel writing into `log` (nil: attach a store later).
    public init(log: HTTPMessageLog? = nil) {
        attached = Mutex(log)
    }

    public var inbound: AsyncStream<Inbound> { queue.stream }
    public var isAcceptingInbound: Bool { queue.isOpen }

    /// Takes messages until graceful shutdown (or cancellation), then closes intake.
    public func run() async throws {
        try? await gracefulShutdown()
        queue.close()
    }

    /// Hands a message to the router and returns its outcome; nil once intake has closed.
    /// Handled on the event loop this is called on (the request's connection: no hop to another
    /// thread and back), when the tasks run on event loops (`TaskAffinity.current`).
    public func submit(_ message: InboundMessage) async -> InboundOutcome? {
        await queue.submit(message, executor: TaskAffinity.current())
    }

    /// Where delivered messages are kept; nil until a store is attached.
    public var log: HTTPMessageLog? { attached.withLock { $0 } }

    /// Keeps the message log in `store` from now on (and applies its retention once).
    public func attach(store: ControlPlaneStore) async {
        let log = HTTPMessageLog(store: store)
        attached.withLock { $0 = log }
        await log.prune()
    }

    /// Normalises a `POST /v1/messages` body into an inbound message; throws `ACP_INVALID_ARGUMENT`
    /// for an account id (`AccountID`) or a conversation id outside the http form, before
    /// anything is stored.
    public static func inboundMessage(accountId: String?, conversationId: String, senderId: String, text: String,
                               messageId: String, idempotencyKey: String?) throws(ACPError) -> InboundMessage {
        let conversation = try ConversationIDs.parse(conversationId, channel: .http,
                                                     accountId: accountId ?? ConversationRef.defaultAccount)
        let key = idempotencyKey ?? messageId
        return InboundMessage(conversation: conversation, senderId: senderId, text: text, platformMessageId: messageId,
                              idempotencyKey: "http:\(conversation.accountId):\(key)")
    }

    public func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef {
        let log = try requireLog()
        do {
            let message = try await log.append(conversation: conversation, text: text, context: context)
            return MessageRef(conversation: conversation, messageId: message.id)
        } catch {
            throw ChannelError.transient("the http message log cannot be written: \(error)")
        }
    }

    public func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        let log = try requireLog()
        let found: Bool
        do { found = try await log.edit(conversation: message.conversation, id: message.messageId, text: text, context: context) } catch {
            throw ChannelError.transient("the http message log cannot be written: \(error)")
        }
        guard found else { throw ChannelError.permanent("message \(message.messageId) is no longer in the http message log") }
    }

    public func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        throw ChannelError.notSupported("the http channel has no threads")
    }

    /// Ends every event stream (after delivery drained, before the HTTP server stops).
    public func finishStreams() async {
        await log?.finishAll()
    }

    /// Closes intake and ends every event stream.
    public func stop() async {
        queue.close()
        await finishStreams()
    }

    private func requireLog() throws -> HTTPMessageLog {
        guard let log else { throw ChannelError.transient("the http message log is not open yet") }
        return log
    }
}
