import ACPControlPlane
import Bindings
import Foundation

/// The `console` channel of `acpd chat`: lines typed on stdin are inbound messages of one
/// conversation, and whatever acpd delivers is printed to stdout. A terminal cannot edit what it
/// printed, so the channel declares no edits (delivery posts each flush as its own message); the
/// one edit it still gets (the run's final operation repeating the last text) prints nothing
/// when the text is unchanged, and the new text otherwise. The
/// console's sender is an owner (CONTRACT.md §4).
final class ConsoleChannel: ChatChannel, @unchecked Sendable {
    let kind: ConversationRef.Channel = .console
    let capabilities = ChannelCapabilities(maxMessageLength: 100_000, supportsEdit: false, supportsButtons: false)
    let inbound: AsyncStream<InboundMessage>
    private let continuation: AsyncStream<InboundMessage>.Continuation
    private let lock = NSLock()
    private var nextId = 1
    private var printed: [String: String] = [:]
    private var finishedRuns: Set<RunID> = []
    private var waiters: [(RunID, CheckedContinuation<Void, Never>)] = []

    /// The console channel; `inbound` is unused (acpd chat hands lines to the router itself).
    init() {
        (inbound, continuation) = AsyncStream<InboundMessage>.makeStream()
    }

    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef {
        let id = lock.withLock { () -> String in
            defer { nextId += 1 }
            printed["c\(nextId)"] = text
            return "c\(nextId)"
        }
        print(text)
        if context.isFinal, let runId = context.runId { markFinished(runId) }
        return MessageRef(conversation: conversation, messageId: id)
    }

    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        let unchanged = lock.withLock { () -> Bool in
            defer { printed[message.messageId] = text }
            return printed[message.messageId] == text
        }
        if !unchanged { print(text) }
        if context.isFinal, let runId = context.runId { markFinished(runId) }
    }

    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        throw ChannelError.notSupported("the console has no threads")
    }

    /// Returns once the run's final delivery operation reached the console.
    func waitUntilDelivered(_ runId: RunID) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = lock.withLock { () -> Bool in
                if finishedRuns.contains(runId) { return true }
                waiters.append((runId, waiter))
                return false
            }
            if done { waiter.resume() }
        }
    }

    /// Ends `inbound`.
    func stop() { continuation.finish() }

    private func markFinished(_ runId: RunID) {
        let ready = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            finishedRuns.insert(runId)
            let matching = waiters.filter { $0.0 == runId }.map(\.1)
            waiters.removeAll { $0.0 == runId }
            return matching
        }
        for waiter in ready { waiter.resume() }
    }
}
