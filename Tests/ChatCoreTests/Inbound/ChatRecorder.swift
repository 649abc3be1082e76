import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import TestSupport

/// An in-process `http`-kind `ChatChannel` for the router tests: records every sent message and
/// lets a test wait for one that matches. No edits (so delivery is `final_only`), threads
/// optional (a created thread is `<parent>/t<n>`).
final class ChatRecorder: ChatChannel {
    /// One message as the channel received it.
    struct Sent: Sendable, Equatable {
        var conversation: ConversationRef
        var text: String
        var kind: OutgoingContext.Kind
        var runId: RunID?
        var isFinal: Bool
    }

    /// The record and its waiters.
    actor Record {
        private(set) var sent: [Sent] = []
        private var waiters: [Int: (predicate: @Sendable ([Sent]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = [:]
        private var nextWaiter = 0
        private var threads = 0

        func append(_ message: Sent) {
            sent.append(message)
            for (id, waiter) in waiters where waiter.predicate(sent) {
                waiters[id] = nil
                waiter.continuation.resume()
            }
        }

        /// Returns once `predicate` holds for the record, or when the calling task is cancelled.
        func wait(until predicate: @escaping @Sendable ([Sent]) -> Bool) async {
            if predicate(sent) { return }
            nextWaiter += 1
            let id = nextWaiter
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    if Task.isCancelled { continuation.resume() } else { waiters[id] = (predicate, continuation) }
                }
            } onCancel: {
                Task { await self.release(id) }
            }
        }

        private func release(_ id: Int) {
            waiters.removeValue(forKey: id)?.continuation.resume()
        }

        func nextThread() -> Int { threads += 1; return threads }

        /// Threads removed with `removeThread`, in order.
        private(set) var removedThreads: [ConversationRef] = []
        func removed(_ thread: ConversationRef) { removedThreads.append(thread) }
    }

    let kind: ConversationRef.Channel = .http
    let capabilities: ChannelCapabilities
    let queue = InboundQueue()
    let record = Record()

    init(threads: Bool = false) {
        capabilities = ChannelCapabilities(maxMessageLength: 4000, supportsEdit: false, supportsButtons: false, supportsThreads: threads)
    }

    var inbound: AsyncStream<Inbound> { queue.stream }
    var isAcceptingInbound: Bool { queue.isOpen }
    func run() async throws {}

    /// Scripted trouble: command replies fail with these errors first (in order); run output
    /// waits while `holdRunOutput` is closed.
    actor Trouble {
        var commandFailures: [ChannelError] = []
        private var held: [CheckedContinuation<Void, Never>] = []
        private(set) var holding = false
        /// Calls that found the output held (a test waits for one before it goes on).
        private(set) var heldCalls = 0

        func failCommands(_ errors: [ChannelError]) { commandFailures += errors }
        func nextCommandFailure() -> ChannelError? { commandFailures.isEmpty ? nil : commandFailures.removeFirst() }
        func hold() { holding = true }
        func release() {
            holding = false
            for waiter in held { waiter.resume() }
            held.removeAll()
        }
        func waitIfHeld() async {
            guard holding else { return }
            heldCalls += 1
            await withCheckedContinuation { held.append($0) }
        }
    }

    let trouble = Trouble()
    /// Every call into `send`, failed ones too: (kind, text).
    let attempts = Attempts()
    actor Attempts {
        private(set) var all: [(OutgoingContext.Kind, String)] = []
        func add(_ kind: OutgoingContext.Kind, _ text: String) { all.append((kind, text)) }
    }

    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws -> MessageRef {
        await attempts.add(context.kind, text)
        if context.runId != nil { await trouble.waitIfHeld() }
        if context.kind == .command, let failure = await trouble.nextCommandFailure() { throw failure }
        await record.append(Sent(conversation: conversation, text: text, kind: context.kind, runId: context.runId, isFinal: context.isFinal))
        return MessageRef(conversation: conversation, messageId: UUID().uuidString)
    }

    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        throw ChannelError.notSupported("edit")
    }

    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        guard capabilities.supportsThreads else { throw ChannelError.notSupported("threads") }
        let number = await record.nextThread()
        return ConversationRef(channel: kind, accountId: parent.accountId, conversationId: "\(parent.conversationId)/t\(number)",
                               parentConversationId: parent.conversationId)
    }

    /// Direct messages: user `id`'s private conversation is `dm-<id>`.
    func directConversation(with userId: String) async throws -> ConversationRef {
        ConversationRef(channel: kind, accountId: ConversationRef.defaultAccount, conversationId: "dm-\(userId)")
    }

    func removeThread(_ thread: ConversationRef) async throws {
        guard capabilities.supportsThreads else { throw ChannelError.notSupported("threads") }
        await record.removed(thread)
    }

    /// Waits (up to `seconds`) for a message of `conversation` whose text contains `fragment`.
    @discardableResult
    func waitForMessage(in conversation: ConversationRef, containing fragment: String, seconds: Double = 20) async throws -> Sent {
        let record = record
        try await withDeadline(seconds, "a message containing \(fragment)") {
            await record.wait { sent in sent.contains { $0.conversation == conversation && $0.text.contains(fragment) } }
        }
        return await record.sent.first { $0.conversation == conversation && $0.text.contains(fragment) }!
    }

    /// Every message sent to `conversation` whose text contains `fragment`.
    func messages(in conversation: ConversationRef, containing fragment: String = "") async -> [Sent] {
        await record.sent.filter { $0.conversation == conversation && (fragment.isEmpty || $0.text.contains(fragment)) }
    }
}
