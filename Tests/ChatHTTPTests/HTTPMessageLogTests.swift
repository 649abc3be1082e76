import ACPControlPlane
import ChatCore
import ChatHTTP
import Foundation
import Testing
import TestSupport

/// The http channel's message log keeps each conversation to its newest messages, trimming it
/// every `trimInterval` appends (and at every prune) instead of at each append.
@Suite("http message log")
struct HTTPMessageLogTests {
    @Test("a conversation is trimmed to its limit every 32 appends to it, and at a prune")
    func trimsEveryFewAppends() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore.open(stateDir: dir)
            defer { try? store.close() }
            let log = HTTPMessageLog(store: store, perConversationLimit: 5, pruneInterval: 1_000)
            let busy = ConversationRef(channel: .http, conversationId: "busy")
            let quiet = ConversationRef(channel: .http, conversationId: "quiet")
            let context = OutgoingContext(kind: .reply)
            for index in 1...31 { _ = try await log.append(conversation: busy, text: "\(index)", context: context) }
            for index in 1...7 { _ = try await log.append(conversation: quiet, text: "\(index)", context: context) }
            // Not trimmed yet: 31 appends, and the other conversation's do not count for this one.
            #expect(try store.channelMessages(in: busy).count == 31)
            _ = try await log.append(conversation: busy, text: "32", context: context)
            #expect(try store.channelMessages(in: busy).map(\.text) == ["28", "29", "30", "31", "32"])
            for index in 33...40 { _ = try await log.append(conversation: busy, text: "\(index)", context: context) }
            #expect(try store.channelMessages(in: busy).count == 13)
            // A prune trims every conversation appended to since its last trim.
            await log.prune()
            #expect(try store.channelMessages(in: busy).map(\.text) == ["36", "37", "38", "39", "40"])
            #expect(try store.channelMessages(in: quiet).map(\.text) == ["3", "4", "5", "6", "7"])
        }
    }
}
