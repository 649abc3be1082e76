import Foundation
import Testing
import TestSupport
@testable import ACPControlPlane

/// A store with one session and helpers to add runs and events (below the manager).
struct StoreFixture {
    let store: ControlPlaneStore
    let key: SessionKey
    let conversation = ConversationRef(channel: .http, conversationId: "conv-1")

    init(dir: URL, key: String = "agent:demo:acp:fixture") throws {
        store = try ControlPlaneStore.open(stateDir: dir, integrity: .none)
        self.key = SessionKey(key)!
        let record = SessionRecord(key: self.key, agentId: "demo", cwd: "/tmp", backend: "stdio")
        try store.write { db in try SessionTables.insert(db, record) }
    }

    func addRun(state: RunState = .queued) throws -> RunID {
        let id = RunID()
        try store.write { db in
            _ = try RunTables.insert(db, id: id, key: key, lane: .normal, conversation: conversation, prompt: [.text("hi")], at: 1)
            if state != .queued { try RunTables.markStarted(db, id: id, at: 2) }
            if state.isTerminal { try RunTables.markEnded(db, id: id, state, at: 3) }
        }
        return id
    }

    @discardableResult
    func append(_ run: RunID, _ payloads: [EventPayload], from seq: Int64) throws -> [Int64] {
        try store.write { db in
            try EventLog.append(db, payloads.enumerated().map { offset, payload in
                EventLog.Pending(sessionKey: key, runId: run, seq: seq + Int64(offset), payload: payload)
            }, at: 10)
        }
    }
}

@Suite("Event log and delivery checkpoints")
struct EventLogTests {
    static let samples: [EventPayload] = [
        .runStarted,
        .text(TextDelta(stream: .output, text: "grüße 🚀", messageId: "m1")),
        .text(TextDelta(stream: .thought, text: "hmm")),
        .toolCall(ToolCallInfo(id: "c1", isNew: true, title: "Read", kind: "read", status: "pending", locations: ["/a"], contentText: "x")),
        .plan([PlanEntry(content: "do", priority: "high", status: "pending")]),
        .permissionRequested(PermissionPrompt(id: 7, toolCallId: "c2", title: "rm", toolKind: "execute",
                                              options: [PermissionOption(id: "allow-once", name: "Allow", kind: .allowOnce)],
                                              deadline: Date(timeIntervalSince1970: 100))),
        .permissionResolved(PermissionResolution(id: 7, how: .timedOut, optionId: "reject-once")),
        .usage(Usage(used: 10, size: 100, costAmount: 0.5, costCurrency: "USD")),
        .modeChanged("yolo"),
        .commandsUpdated([AgentCommand(name: "web", description: "search", inputHint: "q")]),
        .sessionInfo(title: nil),
        .contextLost(reason: "session/load failed"),
        .notice("restarted"),
        .completed(stopReason: "end_turn"),
    ]

    @Test(arguments: samples + [EventPayload.failed(code: .turnTimeout, message: "too long"), .cancelled])
    func payloadRoundTrips(_ payload: EventPayload) throws {
        let columns = try EventCoding.encode(payload)
        #expect(columns.kind == payload.kind)
        #expect(try EventCoding.decode(kind: columns.kind, text: columns.text, data: columns.data) == payload)
    }

    @Test func seqStrictlyIncreasesPerRunAndDuplicatesAreRejected() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let run = try fixture.addRun(state: .running)
            try fixture.append(run, Self.samples, from: 1)
            let events = try fixture.store.events(run: run)
            #expect(events.map(\.seq) == Array(1...Int64(Self.samples.count)))
            #expect(events.map(\.payload) == Self.samples)
            #expect(events.allSatisfy { $0.conversation == fixture.conversation })
            #expect(throws: StoreError.self) { try fixture.append(run, [.notice("dup")], from: 3) }
            #expect(try fixture.store.lastSeq(run: run) == Int64(Self.samples.count))
            #expect(try fixture.store.events(run: run, after: 10).map(\.seq) == Array(11...Int64(Self.samples.count)))
        }
    }

    @Test func checkpointNeverPassesTheLastCommittedEventNorMovesBack() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let run = try fixture.addRun(state: .running)
            try fixture.append(run, [.runStarted, .notice("a"), .notice("b")], from: 1)
            let destination = fixture.conversation.canonical
            #expect(try fixture.store.checkpoint(run: run, destination: destination) == 0)
            #expect(try fixture.store.advanceCheckpoint(run: run, destination: destination, to: 2) == 2)
            #expect(throws: ACPError.self) { try fixture.store.advanceCheckpoint(run: run, destination: destination, to: 4) }
            #expect(try fixture.store.advanceCheckpoint(run: run, destination: destination, to: 1) == 2)
            #expect(try fixture.store.advanceCheckpoint(run: run, destination: destination, to: 3) == 3)
            #expect(try fixture.store.checkpoint(run: run, destination: "other") == 0)
        }
    }

    @Test func pendingDeliveriesListFinishedRunsBehindTheirTerminalEvent() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let destination = fixture.conversation.canonical
            let delivered = try fixture.addRun(state: .running)
            try fixture.append(delivered, [.runStarted, .completed(stopReason: "end_turn")], from: 1)
            try fixture.store.write { db in try RunTables.markEnded(db, id: delivered, .completed, at: 5) }
            try fixture.store.advanceCheckpoint(run: delivered, destination: destination, to: 2)

            let half = try fixture.addRun(state: .running)
            try fixture.append(half, [.runStarted, .notice("x"), .failed(code: .turnFailed, message: "no")], from: 1)
            try fixture.store.write { db in try RunTables.markEnded(db, id: half, .failed, at: 6) }
            try fixture.store.advanceCheckpoint(run: half, destination: destination, to: 1)

            let stillRunning = try fixture.addRun(state: .running)
            try fixture.append(stillRunning, [.runStarted], from: 1)

            let pending = try fixture.store.pendingDeliveries()
            #expect(pending.map(\.run.id) == [half])
            #expect(pending.first?.deliveredSeq == 1)
            #expect(pending.first?.destination == destination)
            #expect(pending.first?.run.lastSeq == 3)
        }
    }
}
