import ACPControlPlane
@testable import Bindings
import Foundation
import Testing
import TestSupport

@Suite struct ConfigLoaderTests {
    @Test func anEmptyFileGetsEveryDefaultOfTheContract() throws {
        let config = try parseConfig("")
        #expect(config.stateDir == "/etc/acpd/.acpd")
        #expect(config.storePath == "/etc/acpd/.acpd/acpd.sqlite")
        let acp = config.acp
        #expect(acp.enabled && acp.dispatchEnabled)
        #expect(acp.backend == "stdio")
        #expect(acp.defaultAgent == nil && acp.allowedAgents.isEmpty)
        #expect(acp.maxConcurrentSessions == 16 && acp.turnTimeoutSeconds == 1800)
        #expect(acp.runtimeTTLMinutes == 60 && acp.idempotencyTTLHours == 24)
        #expect(acp.runtimeBindings == RuntimeBindingPolicy(idleHours: 24, maxAgeHours: 0))
        #expect(acp.stream == StreamSettings(deliveryMode: .live, coalesceIdleMs: 350, maxChunkChars: 1800,
                                             maxOutputChars: 24000, showToolCalls: true, showThoughts: false))
        #expect(acp.permissions == PermissionSettings(mode: .ask, timeoutSeconds: 600))
        #expect(acp.workspaceRoots.isEmpty)
        #expect(acp.envPassthrough == ["PATH", "HOME", "LANG"])
        #expect(config.agents.isEmpty && config.bindings.isEmpty)
        #expect(config.acpxCommand == "acpx")
        #expect(config.access.unknownSenders == .strict && config.access.authTTLSeconds == 600)
        #expect(config.access.rateLimit == .init(perMinute: 10, burst: 3))
        #expect(config.api.listen == "127.0.0.1:7878" && config.api.port == 7878 && config.api.token == nil)
        #expect(config.api.headerTimeoutSeconds == 10 && config.api.idleTimeoutSeconds == 60 && config.api.maxConnections == 256)
        #expect(config.channels.httpEnabled == false)
    }

    @Test func agentDefaultsFallBackToACP() throws {
        let config = try parseConfig("""
            acp: { backend: acpx }
            agents:
              a: { command: [a-agent], cwd: sub/dir }
              b: { command: [b], backend: stdio, mode: oneshot, env: { K: v }, authMethod: login }
            """)
        let a = try #require(config.agents["a"])
        #expect(a.backend == "acpx" && a.mode == .persistent && a.cwd == "/etc/acpd/sub/dir")
        let b = try #require(config.agents["b"])
        #expect(b.backend == "stdio" && b.mode == .oneshot && b.env == ["K": "v"])
        #expect(b.spec == AgentSpec(id: "b", command: ["b"], env: ["K": "v"], authMethod: "login"))
        #expect(b.cwd == "/etc/acpd", "an agent without cwd uses the config file's directory")
    }

    @Test func environmentSubstitution() throws {
        let config = try parseConfig("""
            stateDir: "${STATE}/acpd"
            acp:
              turnTimeoutSeconds: ${TIMEOUT}
            api: { token: "pre-${TOKEN}-post", listen: "127.0.0.1:${PORT}" }
            agents: { a: { command: [x], env: { LITERAL: "$${NOT_A_VAR} costs $5" } } }
            """, environment: ["STATE": "/var/lib", "TIMEOUT": "90", "TOKEN": "s3cr3t", "PORT": "9000"])
        #expect(config.stateDir == "/var/lib/acpd")
        #expect(config.acp.turnTimeoutSeconds == 90)
        #expect(config.api.token?.value == "pre-s3cr3t-post")
        #expect(config.api.port == 9000)
        #expect(config.agents["a"]?.env["LITERAL"] == "${NOT_A_VAR} costs $5")
        #expect("\(config.api)".contains("s3cr3t") == false, "secrets do not print")
    }

    @Test func severalMissingVariablesAreEachNamed() {
        let issues = configIssues("api: { token: \"${A_UNSET}${B_UNSET}\" }\naccess: { secret: \"${C_UNSET}\" }\n")
        #expect(issues.map(\.message) == ["environment variables A_UNSET, B_UNSET are not set", "environment variable C_UNSET is not set"])
    }

    @Test func jsonIsAccepted() throws {
        let config = try parseConfig("""
            {"agents": {"demo": {"command": ["acpd-demo-agent"], "cwd": "/srv"}},
             "bindings": [{"type": "acp", "agentId": "demo", "match": {"channel": "discord", "peer": {"id": "222222222222222222"}}}]}
            """)
        #expect(config.bindings.first?.peer?.id == "222222222222222222")
    }

    @Test func unquotedNumericPeerIdsKeepTheirDigits() throws {
        let config = try parseConfig(minimalConfig(bindings: """
              - type: acp
                agentId: demo
                match: { channel: telegram, peer: { id: -1001234567890 } }
              - type: acp
                agentId: demo
                match: { channel: discord, peer: { id: 222222222222222222 } }
            """))
        #expect(config.bindings.map { $0.peer?.id } == ["-1001234567890", "222222222222222222"])
    }

    @Test func nullMeansNotSet() throws {
        let config = try parseConfig("acp:\n  defaultAgent:\n  stream: ~\nagents:\n")
        #expect(config.acp.defaultAgent == nil)
        #expect(config.acp.stream.maxChunkChars == 1800)
    }

    @Test func locateFollowsOptionThenEnvironmentThenCurrentDirectory() {
        let cwd = "/home/op"
        #expect(ConfigLoader.locate(option: "conf/a.yaml", environment: ["ACPD_CONFIG": "/x.yaml"], currentDirectory: cwd)
                == .init(path: "/home/op/conf/a.yaml", source: .option))
        #expect(ConfigLoader.locate(option: nil, environment: ["ACPD_CONFIG": "/x.yaml"], currentDirectory: cwd)
                == .init(path: "/x.yaml", source: .environment))
        #expect(ConfigLoader.locate(option: nil, environment: [:], currentDirectory: cwd)
                == .init(path: "/home/op/acpd.yaml", source: .currentDirectory))
    }

    @Test func loadResolvesRelativePathsAgainstTheFilesDirectory() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("acpd.yaml")
            try "stateDir: state\nagents: { a: { command: [x], cwd: ../work } }\n".write(to: file, atomically: true, encoding: .utf8)
            let config = try ConfigLoader.load(path: file.path, environment: [:])
            #expect(config.file == file.path)
            #expect(config.stateDir == dir.path + "/state")
            #expect(config.agents["a"]?.cwd == dir.deletingLastPathComponent().path + "/work")
        }
    }

    @Test func aMissingFileIsUnreadableWithAHint() {
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/acpd.yaml", environment: [:])
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.kind == .unreadable)
            #expect(error.issues.first?.message.contains("/nonexistent/acpd.yaml does not exist") == true)
            #expect(error.acpError.code == .configInvalid)
        }
    }
}
