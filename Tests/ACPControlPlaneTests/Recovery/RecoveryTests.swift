@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

@Suite("Start-up recovery")
struct RecoveryTests {
    @Test func interruptedRunsFailOnceSessionsReturnToIdleBindingsStay() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let store = fixture.store
            let binding = try store.write { db in
                try SessionTables.insertBinding(db, key: fixture.key, NewBinding(source: .runtime, conversation: fixture.conversation), at: 1)
            }
            let running = try fixture.addRun(state: .running)
            try fixture.append(running, [.runStarted, .text(TextDelta(stream: .output, text: "partial"))], from: 1)
            let queued = try fixture.addRun(state: .queued)
            let done = try fixture.addRun(state: .completed)
            try store.write { db in
                try SessionTables.setState(db, key: fixture.key, .running, at: 2)
                try db.execute(sql: """
                    INSERT INTO acp_permission_requests (session_key, run_id, tool_call_id, title, options, state, deadline, created_at)
                    VALUES (?, ?, 't', 'rm', '[]', 'pending', 0, 0)
                    """, arguments: [fixture.key.rawValue, running.rawValue])
            }
            #expect(try store.reserve(IdempotencyKey(scope: "s", key: "interrupted"), ttl: 3600) == .new)
            try store.complete(IdempotencyKey(scope: "s", key: "finished"), result: "r")

            let report = try store.runRecovery(at: 10)
            #expect(Set(report.interruptedRuns) == [running, queued])
            #expect(report.sessionsReturnedToIdle == 1)
            #expect(report.abandonedPermissions == 1)
            #expect(report.droppedReservations == 1)
            #expect(report.activeBindings == 1)
            #expect(report.pendingDeliveries == 2)

            for run in [running, queued] {
                let record = try #require(try store.run(run))
                #expect(record.state == .failed)
                #expect(record.errorMessage == "acpd restarted")
                let events = try store.events(run: run)
                #expect(events.last?.payload == .failed(code: .turnFailed, message: "acpd restarted"))
                #expect(events.filter(\.payload.isTerminal).count == 1)
                #expect(events.map(\.seq) == Array(1...Int64(events.count)))
            }
            #expect(try store.run(done)?.state == .completed)
            #expect(try store.session(fixture.key)?.state == .idle)
            #expect(try store.bindings() == [binding])
            #expect(try store.reserve(IdempotencyKey(scope: "s", key: "interrupted"), ttl: 3600) == .new)
            #expect(try store.reserve(IdempotencyKey(scope: "s", key: "finished"), ttl: 3600) == .completed(result: "r"))

            // A second recovery finds nothing more to do: the conversation is told once.
            let again = try store.runRecovery(at: 11)
            #expect(again.interruptedRuns.isEmpty)
            #expect(try store.events(run: running).filter(\.payload.isTerminal).count == 1)
        }
    }
}
