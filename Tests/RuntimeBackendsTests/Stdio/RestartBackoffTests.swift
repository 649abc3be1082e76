import ACPControlPlane
import Foundation
import Testing
@testable import RuntimeBackends

@Suite("stdio runtime: restart backoff bookkeeping")
struct RestartBackoffTests {
    @Test("no delay after one crash, then doubling up to the cap; a good turn resets it")
    func backoff() async throws {
        let table = SessionTable()
        let key = try #require(SessionKey.spawned(agentId: "t", uuid: UUID().uuidString.lowercased()))
        let child = try ChildProcess.spawn(ProcessSpec(executable: "true", environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/tmp"),
                                           label: "t", logger: .init(label: "t"))
        _ = await child.waitForExit()
        func crash() async {
            let connection = AgentConnection(child: child, sessionKey: key, agent: AgentSpec(id: "t", command: ["true"]), cwd: "/tmp",
                                             options: .init(), logger: .init(label: "t"), onDeath: { _, _, _ in }, onTurnDone: { _ in })
            _ = await table.install(connection, for: key)
            await table.connectionDied(connection, key: key, agentSessionId: "sess-1", crashed: true)
        }
        func delay() async -> Double {
            let duration = await table.restartDelay(for: key, base: 1, max: 3)
            return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        await crash()
        #expect(await delay() == 0)
        #expect(await table.rememberedSessionId(for: key) == "sess-1")
        await crash()
        #expect(await delay() > 0.5)
        await crash()
        #expect(await delay() > 1.5)
        for _ in 0..<5 { await crash() }
        #expect(await delay() <= 3)
        await table.turnSucceeded(key)
        #expect(await delay() == 0)
    }
}
