import ACPControlPlane
@testable import Bindings
@testable import ChatCore

/// An in-process `ChatChannel` that records every call in one shared log and fails calls as
/// scripted (an `outcomeUnknown` failure is applied first, then thrown: the answer was lost).
/// Stands in for the real channels in the send-queue tests.
final class RecordingChannel: ChatChannel {
    /// The shared, ordered record of channel calls and queue callbacks.
    actor Log {
        private(set) var entries: [String] = []
        private var failures: [(any Error)?] = []
        private var nextId = 0

        func record(_ entry: String) { entries.append(entry) }
        /// The next channel calls throw these errors, in order (nil: that call succeeds).
        func failNext(_ errors: [(any Error)?]) { failures += errors }
        func nextFailure() -> (any Error)? { failures.isEmpty ? nil : failures.removeFirst() }
        func newId() -> String { nextId += 1; return "m\(nextId)" }
    }

    /// The channel's flood budget as a gate: while closed, `reserveCall` waits.
    actor Gate {
        private var closed = false
        private var waiters: [CheckedContinuation<Void, Never>] = []
        private(set) var waiting = 0

        func close() { closed = true }
        func open() {
            closed = false
            let pending = waiters
            waiters.removeAll()
            for waiter in pending { waiter.resume() }
        }
        func pass() async {
            guard closed else { return }
            waiting += 1
            await withCheckedContinuation { waiters.append($0) }
            waiting -= 1
        }
    }

    let kind: ConversationRef.Channel = .http
    let capabilities: ChannelCapabilities
    let inbound: AsyncStream<Inbound> = AsyncStream { $0.finish() }
    let isAcceptingInbound = false
    let log = Log()
    let gate = Gate()

    func reserveCall(in conversation: ConversationRef) async throws {
        await gate.pass()
    }

    func run() async throws {}

    init(capabilities: ChannelCapabilities = ChannelCapabilities(maxMessageLength: 4096, supportsEdit: true, supportsButtons: true)) {
        self.capabilities = capabilities
    }

    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef {
        if let failure = await log.nextFailure() {
            if case ChannelError.outcomeUnknown = failure {
                // The platform took the message, but the answer never came back.
                await log.record("send \(await log.newId()) \(text) (answer lost)")
            } else {
                await log.record("fail send \(text)")
            }
            throw failure
        }
        let id = await log.newId()
        await log.record("send \(id) \(text)\(context.isFinal ? " final" : "")")
        return MessageRef(conversation: conversation, messageId: id)
    }

    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        if let failure = await log.nextFailure() {
            if case ChannelError.outcomeUnknown = failure {
                await log.record("edit \(message.messageId) \(text) (answer lost)")
            } else {
                await log.record("fail edit \(message.messageId) \(text)")
            }
            throw failure
        }
        await log.record("edit \(message.messageId) \(text)\(context.isFinal ? " final" : "")")
    }

    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        throw ChannelError.notSupported("threads")
    }
}
