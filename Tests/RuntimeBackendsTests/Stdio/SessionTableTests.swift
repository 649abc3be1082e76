import ACPControlPlane
import Foundation
import Testing
@testable import RuntimeBackends

/// The restart backoff that used to live here is the session manager's alone now
/// (ACPControlPlaneTests `RestartBackoffTests`); the table keeps what restoring needs.
@Suite("stdio runtime: session table bookkeeping")
struct SessionTableTests {
    @Test("a dead agent is forgotten and its agent session remembered for session/load; close forgets both")
    func remembersTheAgentSessionOfADeadAgent() async throws {
        let table = SessionTable()
        let key = try #require(SessionKey.spawned(agentId: "t", uuid: UUID().uuidString.lowercased()))
        let child = try ChildProcess.spawn(ProcessSpec(executable: "true", environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/tmp"),
                                           label: "t", logger: .init(label: "t"))
        _ = await child.waitForExit()
        let connection = AgentConnection(child: child, sessionKey: key, agent: AgentSpec(id: "t", command: ["true"]), cwd: "/tmp",
                                         options: .init(), logger: .init(label: "t"), onDeath: { _, _ in })
        #expect(await table.install(connection, for: key) == nil)
        await table.connectionDied(connection, key: key, agentSessionId: "sess-1")
        #expect(await table.connection(for: key) == nil)
        #expect(await table.rememberedSessionId(for: key) == "sess-1")
        _ = await table.remove(key)
        #expect(await table.rememberedSessionId(for: key) == nil)
    }
}
