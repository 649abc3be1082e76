import ACPControlPlane
import Bindings
import Foundation

/// One message acpd delivered to an `http` conversation (CONTRACT.md §7).
struct HTTPLoggedMessage: Sendable, Equatable, Codable {
    var seq: Int64
    var id: String
    var kind: String
    var runId: String?
    var text: String
    var final: Bool
}

/// A change to a conversation's log, as `GET /v1/conversations/{id}/events` streams it.
struct HTTPLogEvent: Sendable, Equatable {
    enum Change: String, Sendable { case send, edit }
    var change: Change
    var message: HTTPLoggedMessage
}

/// The in-memory message log of the `http` channel: per conversation, the messages delivered in
/// `seq` order (seq assigned at the first send; an edit replaces the text in place and keeps its seq).
///
/// Bounded: each conversation keeps its newest `perConversationLimit` messages (older ones are
/// dropped; `after=` past them still works), and at most `conversationLimit` conversations are
/// kept (the least recently written is dropped first). The log does not survive a restart.
actor HTTPMessageLog {
    private struct Conversation {
        var messages: [HTTPLoggedMessage] = []
        var lastWrite: UInt64 = 0
        var subscribers: [UUID: AsyncStream<HTTPLogEvent>.Continuation] = [:]
    }

    let perConversationLimit: Int
    let conversationLimit: Int
    private var conversations: [String: Conversation] = [:]
    private var nextSeq: Int64 = 1
    private var clock: UInt64 = 0

    /// A log with the given bounds (defaults: 1000 messages × 1000 conversations).
    init(perConversationLimit: Int = 1000, conversationLimit: Int = 1000) {
        self.perConversationLimit = max(1, perConversationLimit)
        self.conversationLimit = max(1, conversationLimit)
    }

    /// Appends a new message and returns it (with its seq and id).
    func append(conversation: String, text: String, context: OutgoingContext) -> HTTPLoggedMessage {
        let seq = nextSeq
        nextSeq += 1
        let message = HTTPLoggedMessage(seq: seq, id: "m\(seq)", kind: context.kind.rawValue,
                                        runId: context.runId?.rawValue, text: text, final: context.isFinal)
        var entry = conversations[conversation] ?? Conversation()
        entry.messages.append(message)
        if entry.messages.count > perConversationLimit {
            entry.messages.removeFirst(entry.messages.count - perConversationLimit)
        }
        touch(&entry)
        conversations[conversation] = entry
        if context.isFinal { markFinal(conversation: conversation, runId: context.runId) }
        publish(conversation, HTTPLogEvent(change: .send, message: currentMessage(conversation, id: message.id) ?? message))
        evictIfNeeded()
        return message
    }

    /// Replaces the text of message `id`; false when the log no longer has it.
    func edit(conversation: String, id: String, text: String, context: OutgoingContext) -> Bool {
        guard var entry = conversations[conversation],
              let index = entry.messages.firstIndex(where: { $0.id == id }) else { return false }
        entry.messages[index].text = text
        touch(&entry)
        conversations[conversation] = entry
        if context.isFinal { markFinal(conversation: conversation, runId: context.runId ?? runID(entry.messages[index].runId)) }
        if let message = currentMessage(conversation, id: id) { publish(conversation, HTTPLogEvent(change: .edit, message: message)) }
        return true
    }

    /// The conversation's messages with `seq > after`, in seq order.
    func messages(conversation: String, after: Int64 = 0) -> [HTTPLoggedMessage] {
        (conversations[conversation]?.messages ?? []).filter { $0.seq > after }
    }

    /// A stream of the conversation's sends and edits from now on; ends when the caller stops iterating.
    func subscribe(conversation: String) -> AsyncStream<HTTPLogEvent> {
        let (stream, continuation) = AsyncStream<HTTPLogEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let token = UUID()
        conversations[conversation, default: Conversation()].subscribers[token] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(conversation: conversation, token: token) } }
        return stream
    }

    /// Ends every event stream (shutdown).
    func finishAll() {
        for entry in conversations.values { for continuation in entry.subscribers.values { continuation.finish() } }
    }

    private func unsubscribe(conversation: String, token: UUID) {
        conversations[conversation]?.subscribers[token] = nil
    }

    private func markFinal(conversation: String, runId: RunID?) {
        guard let runId, var entry = conversations[conversation] else { return }
        for index in entry.messages.indices where entry.messages[index].runId == runId.rawValue && !entry.messages[index].final {
            entry.messages[index].final = true
        }
        conversations[conversation] = entry
    }

    private func currentMessage(_ conversation: String, id: String) -> HTTPLoggedMessage? {
        conversations[conversation]?.messages.first { $0.id == id }
    }

    private func runID(_ raw: String?) -> RunID? { raw.flatMap { RunID($0) } }

    private func publish(_ conversation: String, _ event: HTTPLogEvent) {
        for continuation in conversations[conversation]?.subscribers.values ?? [:].values { continuation.yield(event) }
    }

    private func touch(_ entry: inout Conversation) {
        clock += 1
        entry.lastWrite = clock
    }

    private func evictIfNeeded() {
        while conversations.count > conversationLimit {
            guard let oldest = conversations.filter({ $0.value.subscribers.isEmpty }).min(by: { $0.value.lastWrite < $1.value.lastWrite })?.key
            else { return }
            conversations[oldest] = nil
        }
    }
}
