import ACPControlPlane
import ChatCore

/// The reference `ChatChannel` over `InMemoryPlatform`: maps the platform's answers to
/// `ChannelError` as every platform channel must (429 → rateLimited with its retry-after, 5xx →
/// transient, a lost answer → outcomeUnknown, "not modified" → success). A `Flaw` breaks it on
/// purpose, to prove the conformance kit catches that kind of bug.
final class InMemoryChannel: ChatChannel {
    enum Flaw: Sendable {
        /// `edit` posts a new message instead of changing the old one.
        case editAppends
        /// A lost answer is reported as `.transient`, so the send queue repeats an applied send.
        case lostAnswerIsTransient
        /// Declares twice the length the platform accepts.
        case ignoresPlatformLimit
        /// "Message is not modified" is reported as a permanent error.
        case notModifiedIsError
    }

    let kind: ConversationRef.Channel = "memory"
    let capabilities: ChannelCapabilities
    let inbound: AsyncStream<Inbound> = AsyncStream { $0.finish() }
    let isAcceptingInbound = false
    let platform: InMemoryPlatform
    let flaw: Flaw?

    /// A channel over `platform`; `supportsEdit` false makes it a channel without edits.
    init(platform: InMemoryPlatform, supportsEdit: Bool = true, flaw: Flaw? = nil) {
        self.platform = platform
        self.flaw = flaw
        capabilities = ChannelCapabilities(
            maxMessageLength: flaw == .ignoresPlatformLimit ? platform.maxLength * 2 : platform.maxLength,
            supportsEdit: supportsEdit, supportsButtons: true, supportsThreads: true)
    }

    func run() async throws {}

    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef {
        do {
            let id = try await platform.post(in: conversation.conversationId, text: text, buttons: buttons)
            return MessageRef(conversation: conversation, messageId: id)
        } catch { throw channelError(error) }
    }

    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        guard capabilities.supportsEdit else { throw ChannelError.notSupported("this channel has no edits") }
        do {
            if flaw == .editAppends {
                _ = try await platform.post(in: message.conversation.conversationId, text: text, buttons: buttons)
            } else {
                try await platform.edit(in: message.conversation.conversationId, id: message.messageId, text: text, buttons: buttons)
            }
        } catch .notModified where flaw != .notModifiedIsError {
            return
        } catch { throw channelError(error) }
    }

    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        do {
            let id = try await platform.createThread(under: parent.conversationId)
            return ConversationRef(channel: kind, accountId: parent.accountId, conversationId: id,
                                   parentConversationId: parent.conversationId)
        } catch { throw channelError(error) }
    }

    func removeThread(_ thread: ConversationRef) async throws {
        do { try await platform.deleteThread(thread.conversationId) } catch { throw channelError(error) }
    }

    func directConversation(with userId: String) async throws -> ConversationRef {
        do {
            return ConversationRef(channel: kind, conversationId: try await platform.openDirect(with: userId))
        } catch { throw channelError(error) }
    }

    private func channelError(_ refusal: InMemoryPlatform.Refusal) -> ChannelError {
        switch refusal {
        case .tooManyRequests(let after): .rateLimited(retryAfter: after)
        case .serverError: .transient("500 internal server error")
        case .answerLost: flaw == .lostAnswerIsTransient ? .transient("connection reset") : .outcomeUnknown("connection reset")
        case .badRequest(let reason): .permanent(reason)
        case .notModified: .permanent("message is not modified")
        }
    }
}
