import Foundation
import Synchronization
import Testing
import TestSupport
@testable import ACPControlPlane

/// Records what the group commit hands over, checking on each call that the events are already
/// readable from another connection (committed before published).
private final class CheckingSink: EventAppendSink {
    struct State {
        var published: [ControlPlaneEvent] = []
        var calls = 0
        var unreadable: [Int64] = []
        var failures = 0
    }

    let state = Mutex(State())
    let reader: ControlPlaneStore

    init(reader: ControlPlaneStore) { self.reader = reader }

    func committed(_ events: [ControlPlaneEvent]) {
        var missing: [Int64] = []
        for event in events {
            let stored = (try? reader.events(run: event.runId!, after: event.seq - 1, limit: 1)) ?? []
            if stored.first?.id != event.id { missing.append(event.id) }
        }
        state.withLock { state in
            state.published += events
            state.calls += 1
            state.unreadable += missing
        }
    }

    func appendFailed(_ event: EventLog.Pending, error: any Error) {
        state.withLock { $0.failures += 1 }
    }
}

/// A sink that keeps nothing.
private final class NullSink: EventAppendSink {
    func committed(_ events: [ControlPlaneEvent]) {}
    func appendFailed(_ event: EventLog.Pending, error: any Error) {}
}

/// A store with one running run, a read-only connection to it beside, and a sink checking against that connection.
private func withRunningRun(_ body: (StoreFixture, RunID, ControlPlaneStore, CheckingSink) throws -> Void) async throws {
    try await withTemporaryDirectory { dir in
        let fixture = try StoreFixture(dir: dir)
        let run = try fixture.addRun(state: .running)
        let reader = try ControlPlaneStore(path: fixture.store.path, integrity: .none, readOnly: true)
        defer { try? reader.close() }
        try body(fixture, run, reader, CheckingSink(reader: reader))
    }
}

@Suite("Group commit of run events")
struct GroupCommitTests {
    @Test func concurrentRunsKeepSeqOrderAndPublishOnlyCommittedEventsInFewerTransactions() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let reader = try ControlPlaneStore(path: fixture.store.path, integrity: .none, readOnly: true)
            let sink = CheckingSink(reader: reader)
            let runs = try (0..<8).map { _ in try fixture.addRun(state: .running) }
            let perRun = 2000
            // Eight producers at once, each one run's deltas in seq order (as a session actor does).
            await withTaskGroup(of: Void.self) { group in
                for run in runs {
                    group.addTask {
                        for seq in 1...perRun {
                            fixture.store.enqueueEvent(
                                EventLog.Pending(sessionKey: fixture.key, runId: run, seq: Int64(seq),
                                                 payload: .text(TextDelta(stream: .output, text: "\(seq) "))),
                                conversation: fixture.conversation, at: 10, sink: sink)
                        }
                    }
                }
            }
            // A write of anyone commits what is queued first: the terminal events follow the deltas.
            for run in runs {
                _ = try fixture.store.appendEvents([EventLog.Pending(sessionKey: fixture.key, runId: run, seq: Int64(perRun + 1),
                                                                     payload: .completed(stopReason: "end_turn"))], at: 11)
            }
            let state = sink.state.withLock { $0 }
            #expect(state.failures == 0)
            #expect(state.unreadable.count == 0, "events published before another connection could read them")
            #expect(state.published.count == runs.count * perRun)
            // Group commit: far fewer transactions than events.
            #expect(state.calls < state.published.count / 4)
            for run in runs {
                let published = state.published.filter { $0.runId == run }
                #expect(published.map(\.seq) == Array(1...Int64(perRun)))
                #expect(published.map(\.id) == published.map(\.id).sorted())
                let stored = try fixture.store.events(run: run)
                #expect(stored.map(\.seq) == Array(1...Int64(perRun + 1)))
                #expect(stored.last?.payload == .completed(stopReason: "end_turn"))
                #expect(zip(stored, published).allSatisfy { $0.id == $1.id && $0.payload == $1.payload })
            }
            try reader.close()
            try fixture.store.close()
        }
    }

    @Test func closingCommitsTheQueueSoAReopenedStoreHasEveryEvent() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let run = try fixture.addRun(state: .running)
            let reader = try ControlPlaneStore(path: fixture.store.path, integrity: .none, readOnly: true)
            let sink = CheckingSink(reader: reader)
            for seq in 1...5000 {
                fixture.store.enqueueEvent(EventLog.Pending(sessionKey: fixture.key, runId: run, seq: Int64(seq), payload: .notice("n\(seq)")),
                                           conversation: nil, at: 10, sink: sink)
            }
            try fixture.store.close()
            try reader.close()
            let reopened = try ControlPlaneStore.open(stateDir: dir, integrity: .full)
            defer { try? reopened.close() }
            #expect(try reopened.events(run: run).map(\.seq) == Array(1...5000))
            #expect(sink.state.withLock { $0.published.count } == 5000)
        }
    }

    @Test func anEventTheStoreRefusesIsReportedAndTheRestOfItsBatchIsKept() async throws {
        try await withRunningRun { fixture, run, reader, sink in
            // seq 2 twice: the unique (run_id, seq) index refuses the second one only.
            for seq: Int64 in [1, 2, 2, 3] {
                fixture.store.enqueueEvent(EventLog.Pending(sessionKey: fixture.key, runId: run, seq: seq, payload: .notice("n\(seq)")),
                                           conversation: nil, at: 10, sink: sink)
            }
            fixture.store.flushQueuedEvents()
            _ = try fixture.store.appendEvents([], at: 11)
            #expect(try fixture.store.events(run: run).map(\.seq) == [1, 2, 3])
            #expect(sink.state.withLock { $0.failures } == 1)
            #expect(sink.state.withLock { $0.published.map(\.seq) } == [1, 2, 3])
        }
    }

    @Test func aTextDeltaJoinsTheRunsLastQueuedTextDeltaUntilATransactionTakesIt() throws {
        let sink = NullSink()
        let appender = EventAppender()  // no writer thread: the queue stays until taken
        let key = SessionKey("agent:demo:acp:merge")!
        let (a, b) = (RunID(), RunID())
        func text(_ value: String, _ stream: TextDelta.Stream = .output, message: String? = "m1") -> TextDelta {
            TextDelta(stream: stream, text: value, messageId: message)
        }
        func enqueue(_ run: RunID, _ seq: Int64, _ payload: EventPayload) {
            _ = appender.enqueue(EventAppender.Entry(pending: EventLog.Pending(sessionKey: key, runId: run, seq: seq, payload: payload),
                                                     conversation: nil, time: 1, sink: sink))
        }
        #expect(!appender.extendQueuedText(run: a, with: text("x")))  // nothing queued
        enqueue(a, 1, .text(text("he")))
        enqueue(b, 1, .text(text("other")))
        #expect(appender.extendQueuedText(run: a, with: text("llo")))  // another run's event between does not matter
        #expect(!appender.extendQueuedText(run: a, with: text("…", .thought)))  // another stream
        #expect(!appender.extendQueuedText(run: a, with: text("x", message: "m2")))  // another message
        enqueue(a, 2, .notice("n"))
        #expect(!appender.extendQueuedText(run: a, with: text("x")))  // the last event of the run is not text
        let taken = appender.takeAll()
        #expect(taken.map(\.pending.seq) == [1, 1, 2])
        #expect(taken[0].pending.payload == .text(text("hello")))
        #expect(taken[1].pending.payload == .text(text("other")))
        enqueue(b, 2, .text(text("new")))
        #expect(!appender.extendQueuedText(run: a, with: text("x")))  // taken: a transaction has it
        #expect(appender.extendQueuedText(run: b, with: text("er")))
        #expect(appender.takeAll().map(\.pending.payload) == [.text(text("newer"))])
    }

    /// A write takes the queued events into its own transaction (`EventAppender.commit(_:with:on:)`):
    /// another connection sees neither before the commit, and the events are published after it.
    @Test func aWriteCommitsTheQueuedEventsInItsOwnTransaction() async throws {
        try await withRunningRun { fixture, run, reader, sink in
            func entries(_ seqs: [Int64]) -> [EventAppender.Entry] {
                seqs.map { seq in
                    EventAppender.Entry(pending: EventLog.Pending(sessionKey: fixture.key, runId: run, seq: seq, payload: .notice("n\(seq)")),
                                        conversation: nil, time: 10, sink: sink)
                }
            }
            func terminal(_ seq: Int64) -> EventLog.Pending {
                EventLog.Pending(sessionKey: fixture.key, runId: run, seq: seq, payload: .completed(stopReason: "end_turn"))
            }
            struct Refused: Error {}

            // The queue and the write in one commit: inside the write, another connection sees none of the queued events.
            var seenInside = -1
            let ids = try fixture.store.pool.writeWithoutTransaction { db in
                try EventAppender.commit(entries([1, 2, 3]), with: { db in
                    seenInside = try reader.events(run: run).count
                    return try EventLog.append(db, [terminal(4)], at: 11)
                }, on: db)
            }
            #expect(seenInside == 0)
            #expect(try fixture.store.events(run: run).map(\.seq) == [1, 2, 3, 4])
            #expect(sink.state.withLock { $0.published.map(\.seq) } == [1, 2, 3])
            #expect(sink.state.withLock { $0.unreadable }.isEmpty, "published before committed")
            #expect(ids.count == 1 && ids[0] > sink.state.withLock { $0.published.last!.id })

            // The write throws: its changes are rolled back, the queued events still committed (alone) and published.
            #expect(throws: Refused.self) {
                try fixture.store.pool.writeWithoutTransaction { db in
                    try EventAppender.commit(entries([5, 6]), with: { db in
                        _ = try EventLog.append(db, [terminal(7)], at: 11)
                        throw Refused()
                    }, on: db)
                }
            }
            #expect(try fixture.store.events(run: run).map(\.seq) == [1, 2, 3, 4, 5, 6])
            #expect(sink.state.withLock { $0.published.map(\.seq) } == [1, 2, 3, 5, 6])

            // A queued event the store refuses (seq 6 again): the others are committed one by one,
            // the refused one reported, and the write still runs once, in a transaction of its own.
            var runs = 0
            try fixture.store.pool.writeWithoutTransaction { db in
                try EventAppender.commit(entries([6, 7]), with: { db in
                    runs += 1
                    _ = try EventLog.append(db, [terminal(8)], at: 11)
                }, on: db)
            }
            #expect(runs == 1)
            #expect(try fixture.store.events(run: run).map(\.seq) == [1, 2, 3, 4, 5, 6, 7, 8])
            #expect(sink.state.withLock { $0.failures } == 1)
            #expect(sink.state.withLock { $0.published.map(\.seq) } == [1, 2, 3, 5, 6, 7])
            try fixture.store.close()
        }
    }

    /// The writer thread's pace, with a pace long enough (200 ms) that the timings cannot be
    /// mistaken for scheduling noise. The writer's stand-in commit takes 20 ms and, while the
    /// stream runs, a delta arrives during each one (so the writer is always behind, however
    /// loaded the machine), while the test streams more deltas meanwhile.
    @Test func aWriterBehindAStreamOfDeltasCommitsAtItsPaceButAnIdleWriterAndOtherEventsAtOnce() async throws {
        struct Take {
            let at: ContinuousClock.Instant
            let events: [EventLog.Pending]
        }
        /// Records deltas as a session actor does: joined to the run's queued delta, else a new event.
        final class Producer: Sendable {
            struct State {
                var seq: Int64 = 0
                var streamed = ""
                var streaming = false
                var noticeOnTake: Int?
            }
            let state = Mutex(State())
            let appender: EventAppender
            let sink = NullSink()
            let key = SessionKey("agent:demo:acp:pace")!
            let run = RunID()

            init(_ appender: EventAppender) { self.appender = appender }

            func stream(_ text: String) {
                state.withLock { state in
                    state.streamed += text
                    let delta = TextDelta(stream: .output, text: text, messageId: "m1")
                    guard !appender.extendQueuedText(run: run, with: delta) else { return }
                    state.seq += 1
                    enqueue(state.seq, .text(delta))
                }
            }

            func notice() {
                state.withLock { state in
                    state.seq += 1
                    enqueue(state.seq, .notice("tool"))
                }
            }

            private func enqueue(_ seq: Int64, _ payload: EventPayload) {
                _ = appender.enqueue(EventAppender.Entry(pending: EventLog.Pending(sessionKey: key, runId: run, seq: seq, payload: payload),
                                                         conversation: nil, time: 1, sink: sink))
            }
        }
        let appender = EventAppender(textPace: .milliseconds(200))
        let producer = Producer(appender)
        let takes = Mutex<[Take]>([])
        appender.start {
            let taken = appender.takeAll()
            let count = takes.withLock { takes in
                takes.append(Take(at: .now, events: taken.map(\.pending)))
                return takes.count
            }
            let (streaming, noticeOnTake) = producer.state.withLock { ($0.streaming, $0.noticeOnTake) }
            if streaming {
                producer.stream("w ")  // arrived while this commit ran
                if count == noticeOnTake { producer.notice() }  // anything but a delta is not held for the pace
            }
            Thread.sleep(forTimeInterval: 0.02)
            return true
        }
        defer { appender.stop() }
        @Sendable func takeCount() -> Int { takes.withLock { $0.count } }

        // An idle writer commits a delta at once, not after the pace.
        let first = ContinuousClock.now
        producer.stream("a ")
        try await withDeadline(5, "the first delta to be taken") { while takeCount() < 1 { try await Task.sleep(for: .milliseconds(1)) } }
        #expect(takes.withLock { $0[0].at } - first < .milliseconds(100))

        // A stream that outruns the writer for 1.2 s: one take per pace, each with the deltas joined.
        let before = takeCount()
        producer.state.withLock {
            $0.streaming = true
            $0.noticeOnTake = before + 4
        }
        let start = ContinuousClock.now
        producer.stream("s ")
        var index = 0
        while ContinuousClock.now - start < .milliseconds(1200) {
            producer.stream("d\(index) ")
            index += 1
            try await Task.sleep(for: .milliseconds(1))
        }
        producer.state.withLock { $0.streaming = false }
        try await Task.sleep(for: .milliseconds(500))
        // The writer idle again: the next delta is committed at once.
        let late = ContinuousClock.now
        let beforeLate = takeCount()
        producer.stream("z")
        try await withDeadline(5, "the late delta to be taken") { while takeCount() <= beforeLate { try await Task.sleep(for: .milliseconds(1)) } }
        #expect(takes.withLock { $0[beforeLate].at } - late < .milliseconds(100))

        let all = takes.withLock { $0 }
        let stream = Array(all[before..<beforeLate])
        let noticeIndex = stream.firstIndex { take in take.events.contains { if case .notice = $0.payload { true } else { false } } }
        // Without the pace this made a take every ~20 ms (60 or more).
        #expect(stream.count <= 10, "\(stream.count) commits while the stream was ahead of the writer")
        #expect(index > stream.count * 10, "deltas were not joined: \(index) deltas, \(stream.count) takes")
        // Consecutive takes keep the pace, except the one the notice hurried (queued right after its predecessor).
        for (offset, pair) in zip(stream, stream.dropFirst()).enumerated() where offset + 1 != noticeIndex {
            #expect(pair.1.at - pair.0.at >= .milliseconds(195), "takes \(pair.1.at - pair.0.at) apart")
        }
        if let noticeIndex, noticeIndex > 0 {
            #expect(stream[noticeIndex].at - stream[noticeIndex - 1].at < .milliseconds(150),
                    "the notice waited \(stream[noticeIndex].at - stream[noticeIndex - 1].at)")
        } else {
            Issue.record("the notice was never taken after a paced take")
        }
        // Nothing lost, in order: the joined deltas spell out the stream.
        let events = all.flatMap(\.events)
        let (lastSeq, streamed) = producer.state.withLock { ($0.seq, $0.streamed) }
        #expect(events.map(\.seq) == Array(1...lastSeq))
        let text = events.compactMap { if case .text(let delta) = $0.payload { delta.text } else { nil } }.joined()
        #expect(text == streamed)
    }

    @Test func aSessionWithTooManyEventsWaitingForTheWriterWaitsUntilHalfAreWritten() async throws {
        let sink = SessionEventSink(hub: EventHub())
        let limit = SessionEventSink.limit
        for _ in 0..<(limit - 1) { sink.enqueued() }
        await sink.waitForRoom()  // under the limit: returns at once
        sink.enqueued()
        let resumed = Mutex(false)
        let waiter = Task {
            await sink.waitForRoom()
            resumed.withLock { $0 = true }
        }
        func event(_ seq: Int64) -> ControlPlaneEvent {
            ControlPlaneEvent(id: seq, sessionKey: SessionKey("agent:demo:acp:wait")!, runId: RunID(), seq: seq, conversation: nil,
                              payload: .notice("n"), at: Date())
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!resumed.withLock { $0 })
        sink.committed((1...Int64(limit / 2 - 1)).map(event))  // limit/2 + 1 still queued
        try await Task.sleep(for: .milliseconds(50))
        #expect(!resumed.withLock { $0 })
        sink.appendFailed(EventLog.Pending(sessionKey: SessionKey("agent:demo:acp:wait")!, runId: nil, seq: 1, payload: .notice("x")),
                          error: StoreError(.io, path: "-", message: "test", hint: "-"))  // limit/2 queued: room again
        try await withDeadline(5, "the waiter to resume") { await waiter.value }
        #expect(resumed.withLock { $0 })
    }
}
