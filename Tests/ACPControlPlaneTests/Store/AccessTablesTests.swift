import Foundation
import Synchronization
import Testing
import TestSupport
@testable import ACPControlPlane

/// Approved senders, pairing decisions with their audit row, and audit retention (issue 16).
struct AccessTablesTests {
    @Test("audit rows past audit.retentionDays are pruned in small batches; newer ones stay")
    func auditRetention() async throws {
        try await withTemporaryDirectory { dir in
            let clock = Mutex(Date().addingTimeInterval(-100 * 86_400))
            let store = try ControlPlaneStore.open(stateDir: dir, integrity: .none, now: { clock.withLock { $0 } })
            defer { try? store.close() }
            for index in 0..<25 { try store.appendAudit(AuditEntry(channel: "http", sender: "http:old\(index % 2)", command: "status", result: "ok")) }
            clock.withLock { $0 = Date() }
            try store.appendAudit(AuditEntry(channel: "http", sender: "http:new", command: "spawn", result: "ACP_SESSION_LIMIT"))
            #expect(try store.auditEntries().count == 26)
            #expect(try store.auditEntries(sender: "http:old1").count == 12)
            #expect(try store.auditEntries(since: Date().addingTimeInterval(-3600)).map(\.sender) == ["http:new"])
            let retention = StoreRetention(eventsDays: 14, runsDays: 90, auditDays: 90)
            var steps: [Int] = []
            while true {
                let step = try store.pruneStep(retention, maxEvents: 10)
                if step.isEmpty { break }
                steps.append(step.auditEntries)
            }
            #expect(steps == [10, 10, 5], "at most the batch per transaction")
            #expect(try store.auditEntries().map(\.command) == ["spawn"])
            // A longer retention keeps what a shorter one would delete.
            #expect(try store.pruneStep(StoreRetention(auditDays: 1)).isEmpty)
        }
    }

    @Test("a decision writes the request, the approved sender and its audit row together; a second decision changes nothing")
    func decisionIsOneTransaction() async throws {
        try await withTemporaryDirectory { dir in
            let store = try ControlPlaneStore.open(stateDir: dir, integrity: .none)
            defer { try? store.close() }
            let (request, _) = try store.recordPairingRequest(channel: .telegram, accountId: "default", senderId: "555",
                                                                 displayName: nil, conversationId: "555")
            let audit = AuditEntry(channel: "cli", sender: "cli:op", command: "approve", result: "ok")
            let decided = try #require(try store.decidePairing(id: request.id, approve: true, role: .member, by: "cli:op", audit: audit))
            #expect(decided.state == .approved && decided.role == .member)
            #expect(try store.approvedSender(channel: .telegram, senderId: "555")?.role == .member)
            #expect(try store.decidePairing(id: request.id, approve: false, role: .operator, by: "cli:op", audit: audit) == nil)
            #expect(try store.auditEntries().map(\.detail) == ["request \(request.id) from telegram:555 as member"])
            #expect(try store.pairingDecisionsToTell().map(\.id) == [request.id])
            #expect(try store.claimPairingNotice(id: request.id))
            #expect(try !store.claimPairingNotice(id: request.id), "claimed once")
            try store.finishPairingNotice(id: request.id, told: true)
            #expect(try store.pairingDecisionsToTell().isEmpty)
            #expect(try store.revokeSender(channel: .telegram, senderId: "555", audit: nil)?.role == .member)
            #expect(try store.approvedSender(channel: .telegram, senderId: "555") == nil)
            #expect(try store.pairingRequests(state: nil).isEmpty, "a revoked sender may ask again")
            #expect(try store.revokeSender(channel: .telegram, senderId: "555", audit: nil) == nil)
        }
    }

    @Test("upgrading a store: senders approved before roles become operators; old decisions are not told again")
    func migrationKeepsApprovals() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent(ControlPlaneStore.fileName).path
            let old = try Database(path: path, mode: .create, busyTimeoutMilliseconds: 1000)
            try old.execute(sql: "PRAGMA journal_mode = WAL")
            old.close()
            let pool = try ConnectionPool(path: path, configuration: .init())
            try Schema.migrator.migrate(pool, upTo: 3)
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO pairing_requests (channel, account_id, sender_id, conversation_id, state, created_at, decided_at, decided_by)
                    VALUES ('telegram', 'default', '777', '777', 'approved', 1, 2, 'telegram:111'),
                           ('telegram', 'default', '888', '888', 'denied', 1, 2, 'telegram:111')
                    """)
            }
            pool.close()
            let store = try ControlPlaneStore.open(stateDir: dir, integrity: .full)
            defer { try? store.close() }
            let approved = try store.approvedSenders()
            #expect(approved.map(\.sender) == ["telegram:777"])
            #expect(approved.first?.role == .operator && approved.first?.approvedBy == "telegram:111")
            #expect(try store.pairingDecisionsToTell().isEmpty)
        }
    }
}
