import ACPControlPlane
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One message acpd delivered to an `http` conversation (CONTRACT.md §7).
public struct HTTPLoggedMessage: Sendable, Equatable, Codable {
    public var seq: Int64
    public var id: String
    public var kind: String
    public var runId: String?
    public var text: String
    public var final: Bool

    public init(seq: Int64, id: String, kind: String, runId: String?, text: String, final: Bool) {
        self.seq = seq
        self.id = id
        self.kind = kind
        self.runId = runId
        self.text = text
        self.final = final
    }

    /// The API form of a stored message.
    init(_ message: ChannelMessage) {
        self.init(seq: message.seq, id: message.id, kind: message.kind, runId: message.runId?.rawValue,
                  text: message.text, final: message.final)
    }
}

/// A change to a conversation's log, as `GET /v1/conversations/{id}/events` streams it.
public struct HTTPLogEvent: Sendable, Equatable {
    public enum Change: String, Sendable { case send, edit }
    public var change: Change
    public var message: HTTPLoggedMessage
}

/// The message log of the `http` channel, kept in the control-plane store (`channel_messages`):
/// per conversation, the messages delivered in `seq` order (seq assigned at the first send; an
/// edit replaces the text in place and keeps its seq). It survives restarts and crashes.
///
/// A write that completes a delivery checkpoint (`OutgoingContext.checkpoint`) moves the
/// checkpoint in the same transaction, so after a crash a message never exists without its
/// checkpoint (resumed delivery would repeat it) nor the checkpoint without the message.
///
/// Bounds: each conversation keeps its newest `perConversationLimit` messages (older ones are
/// deleted every `trimInterval` appends to it, and at every prune; `after=` past them still
/// works), so it holds at most `trimInterval - 1` more for a while; every `pruneInterval` appends
/// (and at start) only the `conversationLimit` most recently written conversations are kept. A
/// read returns at most `readLimit` messages (page on with `after=` the last seq).
///
/// Event-stream subscribers live in memory; every change is published after its commit, in
/// commit order (writes go through this actor one at a time).
public actor HTTPMessageLog {
    let store: ControlPlaneStore
    let perConversationLimit: Int
    let conversationLimit: Int
    let pruneInterval: Int
    /// The most messages one read returns.
    public nonisolated static let readLimit = 1000
    private var subscribers: [String: [UUID: AsyncStream<HTTPLogEvent>.Continuation]] = [:]
    private var appendsSincePrune = 0
    /// How many appends a conversation gets between trims: finding where to cut walks
    /// `perConversationLimit` index entries, ~45 µs at 1,000, too much for every message.
    static let trimInterval = 32
    /// The conversations appended to since their last trim, with how many appends (at most
    /// `pruneInterval` entries: every prune trims them all and starts over).
    private var untrimmed: [String: (conversation: ConversationRef, appends: Int)] = [:]

    /// A log over `store` with the given bounds (defaults: 1000 messages × 1000 conversations,
    /// pruned every 256 appends).
    public init(store: ControlPlaneStore, perConversationLimit: Int = 1000, conversationLimit: Int = 1000, pruneInterval: Int = 256) {
        self.store = store
        self.perConversationLimit = max(1, perConversationLimit)
        self.conversationLimit = max(1, conversationLimit)
        self.pruneInterval = max(1, pruneInterval)
    }

    /// Appends a new message (and the checkpoint it completes) and returns it with its seq and id.
    public func append(conversation: ConversationRef, text: String, context: OutgoingContext) throws -> HTTPLoggedMessage {
        let key = conversation.canonical
        let appends = (untrimmed[key]?.appends ?? 0) + 1
        let trims = appends >= Self.trimInterval
        let write = try store.appendChannelMessage(to: conversation, kind: context.kind.rawValue, runId: context.runId,
                                                   text: text, final: context.isFinal, advancing: context.checkpoint,
                                                   keep: trims ? perConversationLimit : .max)
        untrimmed[key] = trims ? nil : (conversation, appends)
        publish(conversation, .send, write)
        appendsSincePrune += 1
        if appendsSincePrune >= pruneInterval { prune() }
        return HTTPLoggedMessage(write.message)
    }

    /// Replaces the text of message `id` (and moves the checkpoint it completes); false when the
    /// log no longer has the message (nothing is written then).
    public func edit(conversation: ConversationRef, id: String, text: String, context: OutgoingContext) throws -> Bool {
        guard let write = try store.editChannelMessage(in: conversation, id: id, text: text, final: context.isFinal,
                                                       runId: context.runId, advancing: context.checkpoint) else { return false }
        publish(conversation, .edit, write)
        return true
    }

    /// The conversation's messages with `seq > after`, in seq order, at most `limit` (capped at `readLimit`).
    public nonisolated func messages(conversation: ConversationRef, after: Int64 = 0, limit: Int = readLimit) throws -> [HTTPLoggedMessage] {
        try store.channelMessages(in: conversation, after: after, limit: min(max(1, limit), Self.readLimit)).map(HTTPLoggedMessage.init)
    }

    /// A stream of the conversation's sends and edits from now on; ends when the caller stops
    /// iterating or at `finishAll()`. A slow reader loses the oldest events beyond 256 (it can
    /// catch up with `messages(after:)`).
    public func subscribe(conversation: ConversationRef) -> AsyncStream<HTTPLogEvent> {
        let (stream, continuation) = AsyncStream<HTTPLogEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let token = UUID()
        let key = conversation.canonical
        subscribers[key, default: [:]][token] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(key, token: token) } }
        return stream
    }

    /// Ends every event stream (shutdown).
    public func finishAll() {
        for streams in subscribers.values { for continuation in streams.values { continuation.finish() } }
        subscribers.removeAll()
    }

    /// Applies the conversation bound now (also called at start-up).
    public func prune() {
        appendsSincePrune = 0
        let pending = untrimmed.values.map(\.conversation)
        untrimmed.removeAll()
        _ = try? store.trimChannelMessages(pending, keep: perConversationLimit)
        _ = try? store.pruneChannelMessages(channel: .http, maxConversations: conversationLimit)
    }

    private func unsubscribe(_ key: String, token: UUID) {
        subscribers[key]?[token] = nil
        if subscribers[key]?.isEmpty == true { subscribers[key] = nil }
    }

    private func publish(_ conversation: ConversationRef, _ change: HTTPLogEvent.Change, _ write: ChannelMessageWrite) {
        guard let streams = subscribers[conversation.canonical]?.values, !streams.isEmpty else { return }
        let events = [HTTPLogEvent(change: change, message: HTTPLoggedMessage(write.message))]
            + write.alsoMarkedFinal.map { HTTPLogEvent(change: .edit, message: HTTPLoggedMessage($0)) }
        for event in events { for continuation in streams { continuation.yield(event) } }
    }
}
