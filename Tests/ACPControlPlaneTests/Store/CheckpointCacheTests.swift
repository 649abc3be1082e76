import Foundation
import Testing
import TestSupport
@testable import ACPControlPlane

/// The in-memory record of committed checkpoints: answers only what is known to be committed at
/// or beyond the asked position, never ahead of the store, and stays bounded.
@Suite("checkpoint cache")
struct CheckpointCacheTests {
    @Test func coversOnlyWhatWasNotedAndNeverMovesBack() {
        let cache = CheckpointCache()
        let run = RunID()
        #expect(cache.covering(run: run, destination: "http:default:a", seq: 1) == nil)
        cache.note(CheckpointAdvance(run: run, destination: "http:default:a", seq: 5))
        #expect(cache.covering(run: run, destination: "http:default:a", seq: 5) == 5)
        #expect(cache.covering(run: run, destination: "http:default:a", seq: 3) == 5)
        #expect(cache.covering(run: run, destination: "http:default:a", seq: 6) == nil)
        #expect(cache.covering(run: run, destination: "http:default:b", seq: 1) == nil, "another destination")
        cache.note(run: run, destination: "http:default:a", seq: 2)
        #expect(cache.covering(run: run, destination: "http:default:a", seq: 5) == 5, "a lower note does not move it back")
        for index in 0..<CheckpointCache.capacity { cache.note(run: RunID(), destination: "d\(index)", seq: 1) }
        #expect(cache.covering(run: run, destination: "http:default:a", seq: 1) == nil, "bounded: it started over")
    }

    @Test func aChannelWriteThatAdvancedTheCheckpointAnswersTheQueuesAdvanceFromMemory() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let run = RunID()
            let conversation = ConversationRef(channel: .http, conversationId: "cp")
            try fixture.store.write { db in
                _ = try RunTables.insert(db, id: run, key: fixture.key, lane: .normal, conversation: conversation, prompt: [.text("hi")],
                                         at: 1, startedAt: 1)
                _ = try EventLog.append(db, (1...3).map { EventLog.Pending(sessionKey: fixture.key, runId: run, seq: Int64($0), payload: .completed(stopReason: "end_turn")) }, at: 1)
            }
            _ = try fixture.store.appendChannelMessage(to: conversation, kind: "reply", runId: run, text: "hi", final: true,
                                                       advancing: CheckpointAdvance(run: run, destination: conversation.canonical, seq: 3))
            #expect(fixture.store.checkpointCache.covering(run: run, destination: conversation.canonical, seq: 3) == 3)
            #expect(try fixture.store.advanceCheckpoint(run: run, destination: conversation.canonical, to: 3) == 3)
            #expect(try fixture.store.checkpoint(run: run, destination: conversation.canonical) == 3)
            // An edit of a message the log no longer has writes nothing, so notes nothing.
            #expect(try fixture.store.editChannelMessage(in: conversation, id: "m999", text: "x", final: false,
                                                         advancing: CheckpointAdvance(run: run, destination: "elsewhere", seq: 2)) == nil)
            #expect(fixture.store.checkpointCache.covering(run: run, destination: "elsewhere", seq: 1) == nil)
            // Beyond the last committed event: refused, and nothing noted.
            #expect(throws: ACPError.self) { try fixture.store.advanceCheckpoint(run: run, destination: conversation.canonical, to: 4) }
            #expect(fixture.store.checkpointCache.covering(run: run, destination: conversation.canonical, seq: 4) == nil)
        }
    }
}
