import Foundation
import Testing
import TestSupport
@testable import ACPControlPlane

@Suite("Platform message ids of a streaming run")
struct PlatformMessagesTests {
    @Test("recorded in first-send order with their checkpoint, updated in place, dropped by the final operation")
    func lifecycle() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let store = fixture.store
            let run = try fixture.addRun(state: .running)
            try fixture.append(run, [.runStarted, .text(TextDelta(stream: .output, text: "a")),
                                     .text(TextDelta(stream: .output, text: "b")), .completed(stopReason: "end_turn")], from: 1)
            let destination = fixture.conversation.canonical
            try store.recordPlatformMessage("57", in: fixture.conversation, kind: "reply", run: run, text: "a",
                                            advancing: CheckpointAdvance(run: run, destination: destination, seq: 2))
            try store.recordPlatformMessage("9", in: fixture.conversation, kind: "reply", run: run, text: "b", advancing: nil)
            try store.updatePlatformMessage("57", in: fixture.conversation, text: "a, more",
                                            advancing: CheckpointAdvance(run: run, destination: destination, seq: 3))
            // Slot order is first-send order, not id order.
            let recorded = try store.channelMessages(of: run, in: fixture.conversation)
            #expect(recorded.map(\.id) == ["57", "9"])
            #expect(recorded.map(\.text) == ["a, more", "b"])
            #expect(try store.checkpoint(run: run, destination: destination) == 3)
            try store.forgetPlatformMessages(of: run, in: fixture.conversation,
                                             advancing: CheckpointAdvance(run: run, destination: destination, seq: 4))
            #expect(try store.channelMessages(of: run, in: fixture.conversation).isEmpty)
            #expect(try store.checkpoint(run: run, destination: destination) == 4)
        }
    }
}
