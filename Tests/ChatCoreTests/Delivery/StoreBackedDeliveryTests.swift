import ACPControlPlane
import StoreSeeding
@testable import ChatCore
@testable import Bindings
import Foundation
import Logging
import Testing
import TestSupport

/// A channel whose outbound lives in the control-plane store, as the http channel's: each write
/// moves the operation's checkpoint in the same transaction.
private final class StoreLogChannel: ChatChannel {
    let kind: ConversationRef.Channel = .http
    let capabilities: ChannelCapabilities
    let inbound: AsyncStream<Inbound> = AsyncStream { $0.finish() }
    let isAcceptingInbound = false
    let store: ControlPlaneStore

    func run() async throws {}

    init(store: ControlPlaneStore, minSendInterval: Duration = .zero) {
        self.store = store
        capabilities = ChannelCapabilities(maxMessageLength: 4096, supportsEdit: true, supportsButtons: false,
                                           minSendInterval: minSendInterval)
    }

    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef {
        let write = try store.appendChannelMessage(to: conversation, kind: context.kind.rawValue, runId: context.runId, text: text,
                                                   final: context.isFinal, advancing: context.checkpoint)
        return MessageRef(conversation: conversation, messageId: write.message.id)
    }

    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        guard try store.editChannelMessage(in: message.conversation, id: message.messageId, text: text, final: context.isFinal,
                                           runId: context.runId, advancing: context.checkpoint) != nil else {
            throw ChannelError.permanent("gone")
        }
    }

    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        throw ChannelError.notSupported("threads")
    }
}

@Suite("Delivery over a store-backed channel")
struct StoreBackedDeliveryTests {
    private static let conversation = ConversationRef(channel: .http, conversationId: "room")

    /// Delivery over `store` until `done` holds on the conversation's log; then it drains.
    private func deliver(_ store: ControlPlaneStore, config: ACPDConfig, until done: @escaping @Sendable ([ChannelMessage]) -> Bool) async throws {
        let manager = SessionManager(store: store, backends: BackendRegistry(), agents: { _ in nil })
        _ = try await manager.recover()
        let delivery = DeliveryService(config: config, manager: manager, store: store, channels: [StoreLogChannel(store: store)],
                                       logger: Logger(label: "test.delivery"))
        let task = Task { await delivery.run() }
        try await withDeadline(10, "delivery reaches the log") {
            while !done(try store.channelMessages(in: Self.conversation)) { try await Task.sleep(for: .milliseconds(20)) }
        }
        task.cancel()
        await task.value
    }

    /// A crash left a delivered message ahead of its checkpoint (a held-back word, or a flush of
    /// several messages): after restart the run is re-rendered over its messages, edited in
    /// place, so the output shows once and every message of the run ends final.
    @Test func resumeEditsTheDeliveredMessagesInPlace() async throws {
        try await withTemporaryDirectory { dir in
            let config = try ConfigLoader.parse("acp: { stream: { deliveryMode: live } }\nchannels: { http: { enabled: true } }",
                                                baseDirectory: dir.path, environment: [:])
            let store = try ControlPlaneStore.open(stateDir: dir)
            let key = SessionKey("agent:demo:acp:crashed")!
            let run = try store.insertSessionWithRunningRun(key, conversation: Self.conversation)
            try store.appendText(session: key, run: run, firstSeq: 1, texts: ["Hello wor", "ld and more"])
            // Before the crash: the first delta went out, but its checkpoint did not move.
            let early = try store.appendChannelMessage(to: Self.conversation, kind: "reply", runId: run, text: "Hello wor", final: false).message

            // Start again: recovery fails the run (a terminal event), delivery resumes it.
            try await deliver(store, config: config) { messages in messages.contains { $0.final } }
            let messages = try store.channelMessages(in: Self.conversation)
            #expect(messages.map(\.seq) == [early.seq], "one message, edited in place: \(messages)")
            let text = try #require(messages.first?.text)
            #expect(text.hasPrefix("Hello world and more"), "\(text)")
            #expect(text.components(separatedBy: "Hello").count == 2 && text.contains("acpd restarted"), "\(text)")
            #expect(messages.allSatisfy { $0.final })
            let last = try store.lastSeq(run: run)
            #expect(try store.checkpoint(run: run, destination: Self.conversation.canonical) == last)
            #expect(try store.pendingDeliveries().isEmpty)

            // Another start finds nothing to deliver and changes nothing.
            try await deliver(store, config: config) { _ in true }
            #expect(try store.channelMessages(in: Self.conversation) == messages)
        }
    }

    /// Shutdown with a backlog the channel's pacing cannot send in time: the drain stops at its
    /// limit (the pacing wait is cut short, nothing half-sent), what was not sent stays behind its
    /// checkpoint, and the next start sends exactly that: every answer once.
    @Test func drainIsBoundedAndTheRestGoesOutAtTheNextStart() async throws {
        try await withTemporaryDirectory { dir in
            let config = try ConfigLoader.parse("acp: { stream: { deliveryMode: final_only } }\nchannels: { http: { enabled: true } }",
                                                baseDirectory: dir.path, environment: [:])
            let store = try ControlPlaneStore.open(stateDir: dir)
            let answers = (1...8).map { "answer \($0) of eight" }
            for (index, answer) in answers.enumerated() {
                let key = SessionKey("agent:demo:acp:backlog-\(index)")!
                let run = try store.insertSessionWithRunningRun(key, conversation: Self.conversation)
                try store.appendText(session: key, run: run, firstSeq: 1, texts: [answer])
            }
            let manager = SessionManager(store: store, backends: BackendRegistry(), agents: { _ in nil })
            _ = try await manager.recover()
            // One send every 3 s: the eight answers need over 20 s; the drain may take 0.5 s. (The
            // bound below leaves room for a test process whose threads are busy with other suites:
            // alone this stops in about 0.5 s, in the full suite on two loaded cores in up to 9 s.)
            let paced = StoreLogChannel(store: store, minSendInterval: .seconds(3))
            let delivery = DeliveryService(config: config, manager: manager, store: store, channels: [paced],
                                           logger: Logger(label: "test.delivery"), drainLimit: .milliseconds(500))
            let task = Task { await delivery.run() }
            try await withDeadline(10, "the first answer is sent") {
                while try store.channelMessages(in: Self.conversation).isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            }
            let stop = ContinuousClock.now
            task.cancel()
            await task.value
            let stoppedAfter = ContinuousClock.now - stop
            #expect(stoppedAfter < .seconds(12), "the drain took \(stoppedAfter)")
            let sent = try store.channelMessages(in: Self.conversation)
            #expect(sent.count < answers.count, "everything was sent within the limit: the test proves nothing")
            #expect(try store.pendingDeliveries().count == answers.count - sent.count, "the unsent runs stay behind their checkpoints")

            // The next start sends the rest, and nothing twice.
            try await deliver(store, config: config) { messages in messages.count >= answers.count }
            let all = try store.channelMessages(in: Self.conversation)
            for answer in answers {
                #expect(all.filter { $0.text.contains(answer) }.count == 1, "\(answer): \(all.map(\.text))")
            }
            #expect(all.count == answers.count)
            #expect(try store.pendingDeliveries().isEmpty)
        }
    }

    /// A conversation's send queue is dropped once it is idle (everything applied, no run's
    /// messages still editable); output for the conversation afterwards gets a new queue.
    @Test func idleSendQueuesAreDropped() async throws {
        try await withTemporaryDirectory { dir in
            let config = try ConfigLoader.parse("acp: { stream: { deliveryMode: final_only } }\nchannels: { http: { enabled: true } }",
                                                baseDirectory: dir.path, environment: [:])
            let store = try ControlPlaneStore.open(stateDir: dir)
            let key = SessionKey("agent:demo:acp:idle")!
            let run = try store.insertSessionWithRunningRun(key, conversation: Self.conversation)
            try store.appendText(session: key, run: run, firstSeq: 1, texts: ["first answer"])
            let manager = SessionManager(store: store, backends: BackendRegistry(), agents: { _ in nil })
            _ = try await manager.recover()
            let delivery = DeliveryService(config: config, manager: manager, store: store, channels: [StoreLogChannel(store: store)],
                                           logger: Logger(label: "test.delivery"), tickInterval: .milliseconds(10),
                                           queueIdleTimeout: .milliseconds(100))
            let task = Task { await delivery.run() }
            try await withDeadline(10, "the resumed run is delivered") {
                while try !store.channelMessages(in: Self.conversation).contains(where: { $0.final }) {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            try await withDeadline(10, "the idle queue is dropped") {
                while await delivery.queueCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            task.cancel()
            await task.value
            #expect(try store.channelMessages(in: Self.conversation).map(\.text).first?.hasPrefix("first answer") == true)
        }
    }
}
