import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// `acpd sessions|bindings|status` (and doctor's store checks) against a store written by the real
/// control plane, read while that writer still holds it open (WAL readers), and a missing store.
@Suite("acpd sessions, bindings, status")
struct StoreCommandsTests {
    /// A store under `<dir>/state` with: `ops` (idle, runtime binding on telegram), `old` (closed,
    /// its route binding left behind: stale) — written through `SessionManager`, still open.
    struct Populated {
        let store: ControlPlaneStore
        let manager: SessionManager
        let open: SessionKey
        let closed: SessionKey
    }

    static func populate(_ dir: URL) async throws -> Populated {
        let config = """
        stateDir: ./state
        agents:
          demo:
            command: [\(TestPaths.demoAgent)]
            cwd: ./ws
        """
        try config.write(to: dir.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
        let store = try ControlPlaneStore.open(stateDir: dir.appendingPathComponent("state"))
        let spec = AgentSpec(id: "demo", command: [TestPaths.demoAgent])
        let manager = SessionManager(store: store, backends: BackendRegistry(), agents: { $0 == "demo" ? spec : nil })
        let open = try #require(SessionKey.spawned(agentId: "demo", uuid: UUID().uuidString))
        let closed = try #require(SessionKey.spawned(agentId: "demo", uuid: UUID().uuidString))
        let telegram = ConversationRef(channel: .telegram, conversationId: "-1001234567890:topic:42")
        let discord = ConversationRef(channel: .discord, conversationId: "222222222222222222")
        try await manager.createSession(NewSession(key: open, agentId: "demo", cwd: dir.path, label: "ops"),
                                        binding: NewBinding(source: .runtime, conversation: telegram))
        try await manager.createSession(NewSession(key: closed, agentId: "demo", cwd: dir.path, label: "old"),
                                        binding: NewBinding(source: .route, conversation: discord))
        try await manager.close(closed, reason: "test", endingBindingsFrom: [])
        return Populated(store: store, manager: manager, open: open, closed: closed)
    }

    static func finish(_ populated: Populated) async throws {
        await populated.manager.shutdown()
        try populated.store.close()
    }

    @Test("sessions lists open sessions with label, agent, state and binding; --all adds closed; --json parses")
    func sessions() async throws {
        try await withTemporaryDirectory { dir in
            let populated = try await Self.populate(dir)
            let run = try await CLI.run(["sessions"], in: dir)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let row = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix(populated.open.rawValue) })
            #expect(row.contains("ops") && row.contains("demo") && row.contains("idle"))
            #expect(row.contains("runtime:telegram:default:-1001234567890:topic:42"))
            #expect(!run.stdout.contains(populated.closed.rawValue))

            let all = try await CLI.run(["sessions", "--all", "--json"], in: dir)
            #expect(all.status == 0, "stderr: \(all.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any])
            let sessions = try #require(object["sessions"] as? [[String: Any]])
            let states = Dictionary(uniqueKeysWithValues: sessions.map { ($0["key"] as? String ?? "", $0["state"] as? String ?? "") })
            #expect(states == [populated.open.rawValue: "idle", populated.closed.rawValue: "closed"])
            try await Self.finish(populated)
        }
    }

    @Test("bindings lists active bindings with source and session and marks the stale one")
    func bindings() async throws {
        try await withTemporaryDirectory { dir in
            let populated = try await Self.populate(dir)
            let run = try await CLI.run(["bindings"], in: dir)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let lines = run.stdout.split(separator: "\n")
            let runtime = try #require(lines.first { $0.hasPrefix("runtime") })
            #expect(runtime.contains(populated.open.rawValue) && runtime.hasSuffix("ok"))
            let route = try #require(lines.first { $0.hasPrefix("route") })
            #expect(route.contains("discord:default:222222222222222222"))
            #expect(route.contains("STALE (session_closed)"))

            let json = try await CLI.run(["bindings", "--json"], in: dir)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect((object["bindings"] as? [Any])?.count == 2)
            try await Self.finish(populated)
        }
    }

    @Test("status summarises sessions by state, bindings, live runs, pending pairing requests and schema")
    func status() async throws {
        try await withTemporaryDirectory { dir in
            let populated = try await Self.populate(dir)
            let (pairing, _) = try populated.store.recordPairingRequest(channel: .telegram, accountId: "default", senderId: "555",
                                                                       displayName: nil, conversationId: "555")
            let run = try await CLI.run(["status"], in: dir)
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("pending pairing requests: 1 (answer in chat: /acp approve <id> or /acp deny <id>, or: acpd pairing approve|deny <id>)"))
            #expect(run.stdout.contains("  #\(pairing.id) telegram:555 in 555, since "), "\(run.stdout)")
            #expect(run.stdout.contains("schema \(ControlPlaneStore.supportedSchemaVersion), current"))
            #expect(run.stdout.contains("sessions: 2 ("))
            #expect(run.stdout.contains("idle 1") && run.stdout.contains("closed 1"))
            #expect(run.stdout.contains("bindings: 2 active"))
            #expect(run.stdout.contains("1 stale"))
            #expect(run.stdout.contains("live runs: 0"))
            #expect(run.stdout.contains(" MiB + WAL "), "\(run.stdout)")

            let json = try await CLI.run(["status", "--json"], in: dir)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["liveRuns"] as? Int == 0)
            #expect(object["staleBindings"] as? Int == 1)
            let size = try #require(object["storeSize"] as? [String: Any])
            // The file only grows while the store is open (its WAL is copied in); status read it before.
            let fileBytes = try #require(try FileManager.default.attributesOfItem(atPath: populated.store.path)[.size] as? Int)
            #expect((1...fileBytes).contains(size["fileBytes"] as? Int ?? 0))
            #expect(size["walBytes"] is Int && size["freeBytes"] is Int)
            #expect((object["pendingPairingRequests"] as? [[String: Any]])?.first?["sender"] as? String == "telegram:555")
            try await Self.finish(populated)
        }
    }

    @Test("doctor reads the live store: integrity and schema pass, the stale binding warns, the dry run is shown")
    func doctorOnLiveStore() async throws {
        try await withTemporaryDirectory { dir in
            let populated = try await Self.populate(dir)
            let run = try await CLI.run(["doctor"], in: dir)
            #expect(run.status == 0, "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(run.stdout.contains("✓ store: "))
            #expect(run.stdout.contains("✓ store schema: version \(ControlPlaneStore.supportedSchemaVersion) (current)"))
            #expect(run.stdout.contains("! stale bindings: 1: discord:default:222222222222222222"))
            #expect(run.stdout.contains("reconcile: +0 -1 ~0 =0"))
            try await Self.finish(populated)
        }
    }

    @Test("a missing store is a clear message and exit 1, and nothing is created", arguments: ["sessions", "bindings", "status"])
    func missingStore(_ command: String) async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run([command], in: dir)
            #expect(run.status == 1)
            #expect(run.stderr.contains("no store at"))
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".acpd").path))
        }
    }

    @Test("an empty store lists nothing and says so")
    func emptyStore() async throws {
        try await withTemporaryDirectory { dir in
            try ControlPlaneStore.open(stateDir: dir.appendingPathComponent(".acpd")).close()
            let sessions = try await CLI.run(["sessions"], in: dir)
            #expect(sessions.status == 0)
            #expect(sessions.stdout.contains("no open sessions"))
            let bindings = try await CLI.run(["bindings"], in: dir)
            #expect(bindings.stdout.contains("no active bindings"))
        }
    }

    @Test("an older schema: doctor warns that run will migrate it, sessions refuses with the same advice")
    func olderSchema() async throws {
        try await withTemporaryDirectory { dir in
            let state = dir.appendingPathComponent(".acpd")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            let file = state.appendingPathComponent("acpd.sqlite").path
            // An SQLite file at schema version 0 (no acpd tables yet), written by another SQLite client.
            let python = Process()
            python.executableURL = URL(fileURLWithPath: TestPaths.python)
            python.arguments = ["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()", file]
            try python.run()
            python.waitUntilExit()
            #expect(python.terminationStatus == 0)
            let before = try Data(contentsOf: URL(fileURLWithPath: file))

            let doctor = try await CLI.run(["doctor"], in: dir)
            #expect(doctor.status == 0, "stdout: \(doctor.stdout)")
            #expect(doctor.stdout.contains("! store schema: version 0; this acpd migrates it"))
            #expect(doctor.stdout.contains("- bindings: not checked"))
            let sessions = try await CLI.run(["sessions"], in: dir)
            #expect(sessions.status == 1)
            #expect(sessions.stderr.contains("older than this acpd reads"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
        }
    }
}
