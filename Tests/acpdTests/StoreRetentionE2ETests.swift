import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// `acpd run` applies `store.retention` on its own: a finished, delivered run older than
/// `runsDays` is gone shortly after start, while a fresh run stays; `acpd status` shows the size.
struct StoreRetentionE2ETests {
    @Test func theDaemonPrunesAnOldDeliveredRunAndKeepsANewOne() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: "retention")
            // A run 100 days old (past runsDays 90), finished (no backend to run it: it fails) and delivered.
            let stateDir = directory.appendingPathComponent("state")
            let then = Date().addingTimeInterval(-100 * 86_400)
            let old = try ControlPlaneStore.open(stateDir: stateDir, now: { then })
            let manager = SessionManager(store: old, backends: BackendRegistry(), agents: { id in
                id == "gone" ? AgentSpec(id: "gone", command: ["/nonexistent"]) : nil
            }, now: { then })
            let key = try #require(SessionKey.spawned(agentId: "gone", uuid: UUID().uuidString))
            _ = try await manager.createSession(NewSession(key: key, agentId: "gone", cwd: directory.path))
            let conversation = ConversationRef(channel: .http, conversationId: "old-room")
            let oldRun = try await manager.submit(key, prompt: [.text("long ago")], from: conversation).runId
            try await withDeadline(10, "the old run to end") {
                while try old.run(oldRun)?.state.isTerminal != true { try await Task.sleep(for: .milliseconds(20)) }
            }
            _ = try old.advanceCheckpoint(run: oldRun, destination: conversation.canonical, to: try old.lastSeq(run: oldRun))
            #expect(try old.events(run: oldRun).count >= 2)
            await manager.shutdown()
            try old.close()

            let daemon = try await DaemonProcess(directory: directory, port: port, token: "retention")
            let (status, outcome) = try await daemon.json("POST", "/v1/messages",
                                                          body: ["conversationId": "room1", "senderId": "alice", "text": "today", "messageId": "r-1"])
            #expect(status == 202)
            let newRun = try #require((outcome["runId"] as? String).flatMap(RunID.init))
            let reader = try ControlPlaneStore(path: stateDir.appendingPathComponent(ControlPlaneStore.fileName).path, integrity: .none,
                                               readOnly: true)
            defer { try? reader.close() }
            try await withDeadline(20, "retention to delete the old run") {
                while try reader.run(oldRun) != nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(try reader.events(run: oldRun).isEmpty)
            try await withDeadline(20, "the new run to end") {
                while try reader.run(newRun)?.state.isTerminal != true { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(try reader.events(run: newRun).count >= 2)

            let json = try await CLI.run(["status", "--json", "--config", "acpd.yaml"], in: directory)
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let size = try #require(object["storeSize"] as? [String: Any])
            #expect((size["fileBytes"] as? Int ?? 0) > 0)
            #expect(try await daemon.stop(signal: SIGTERM) == 0, "log:\n\(daemon.log)")
        }
    }
}
