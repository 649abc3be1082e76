import ACPControlPlane
import ChatCore

/// One `send` or `edit` the send queue made, as the channel under test answered it.
struct ObservedCall: Sendable {
    enum Method: String, Sendable { case send, edit }
    var method: Method
    var text: String
    var started: ContinuousClock.Instant
    var ended: ContinuousClock.Instant
    /// What `send` returned (nil for an edit or a failed call).
    var ref: MessageRef?
    /// What the call threw, nil when it succeeded.
    var error: (any Error)?

    var channelError: ChannelError? { error as? ChannelError }
}

/// The channel under test as the send queue sees it: forwards every call unchanged and records
/// the sends and edits with their timing and result, so a case can check how the channel
/// reported a fault (not only what the platform shows). `beforeCall` runs before a call reaches
/// the channel (to inject a fault at a chosen call).
final class ObservedChannel<Base: ChatChannel>: ChatChannel {
    typealias Hook = @Sendable (ObservedCall.Method, String) async -> Void

    let base: Base
    private let calls = Locked<[ObservedCall]>([])
    private let hook = Locked<Hook?>(nil)

    init(_ base: Base) { self.base = base }

    var kind: ConversationRef.Channel { base.kind }
    var accountId: String? { base.accountId }
    var capabilities: ChannelCapabilities { base.capabilities }
    var inbound: AsyncStream<Inbound> { base.inbound }
    var isAcceptingInbound: Bool { base.isAcceptingInbound }

    func run() async throws { try await base.run() }

    /// The calls so far, in the order they started.
    var recorded: [ObservedCall] { calls.value }

    /// Forgets the recorded calls and sets the hook run before each later call (nil: none).
    func reset(beforeCall: Hook? = nil) {
        calls.withLock { $0.removeAll() }
        hook.withLock { $0 = beforeCall }
    }

    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef {
        if let hook = hook.value { await hook(.send, text) }
        let started = ContinuousClock.now
        do {
            let ref = try await base.send(to: conversation, text: text, buttons: buttons, context: context)
            record(ObservedCall(method: .send, text: text, started: started, ended: .now, ref: ref))
            return ref
        } catch {
            record(ObservedCall(method: .send, text: text, started: started, ended: .now, error: error))
            throw error
        }
    }

    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        if let hook = hook.value { await hook(.edit, text) }
        let started = ContinuousClock.now
        do {
            try await base.edit(message, text: text, buttons: buttons, context: context)
            record(ObservedCall(method: .edit, text: text, started: started, ended: .now))
        } catch {
            record(ObservedCall(method: .edit, text: text, started: started, ended: .now, error: error))
            throw error
        }
    }

    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        try await base.createThread(in: parent, title: title)
    }

    func removeThread(_ thread: ConversationRef) async throws {
        try await base.removeThread(thread)
    }

    func directConversation(with userId: String) async throws -> ConversationRef {
        try await base.directConversation(with: userId)
    }

    private func record(_ call: ObservedCall) {
        calls.withLock { $0.append(call) }
    }
}
