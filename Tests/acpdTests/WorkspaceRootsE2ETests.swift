import Foundation
import Testing
import TestSupport

/// Issue 11, finding 7: `acp.workspaceRoots` is checked on the real path. A symlink inside a root
/// that leads out of it lets no agent start there: not by `/acp spawn --cwd`, not through a
/// config binding whose cwd is lexically inside the root.
struct WorkspaceRootsE2ETests {
    static let token = "roots-\(UUID().uuidString.prefix(8))"

    @Test("a symlink out of a workspace root is refused at spawn and when a config binding's session starts")
    func symlinkOutOfRootIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let root = directory.appendingPathComponent("workspace")
            try FileManager.default.createDirectory(at: root.appendingPathComponent("repo"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("escape").path, withDestinationPath: "/etc")
            let config = """
                acp:
                  defaultAgent: demo
                  workspaceRoots: ["\(root.path)"]
                agents:
                  demo:
                    command: ["\(TestPaths.demoAgent)"]
                    cwd: "\(root.path)/repo"
                bindings:
                  - type: acp
                    agentId: demo
                    match: { channel: http, peer: { kind: direct, id: "linked" } }
                    acp: { cwd: "\(root.path)/escape" }
                channels: { http: { enabled: true } }
                access:
                  owners: ["http:alice"]
                  rateLimit: { perMinute: 6000, burst: 1000 }
                """
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: config)
            // Lexically under the root, really /etc: refused, nothing spawned.
            let spawn = try await daemon.post("room", from: "alice", "/acp spawn --cwd \(root.path)/escape --bind here")
            #expect(spawn.reply?.hasPrefix("ERROR: ACP_INVALID_ARGUMENT: --cwd must lie under acp.workspaceRoots") == true, "\(spawn)")
            let sub = try await daemon.post("room2", from: "alice", "/acp spawn --cwd \(root.path)/escape/ssl --bind here")
            #expect(sub.reply?.hasPrefix("ERROR: ACP_INVALID_ARGUMENT") == true, "\(sub)")
            // A real directory under the root still works.
            let fine = try await daemon.post("room3", from: "alice", "/acp spawn --cwd ../repo --bind here")
            #expect(fine.reply?.hasPrefix("OK: spawned") == true, "\(fine)\n\(daemon.log)")
            // The config binding validates (lexically inside) but its session never starts in /etc.
            let prompt = try await daemon.post("linked", from: "alice", "hello")
            let run = try #require(prompt.runId, "\(prompt)")
            let ended = try await daemon.finishedRun(run)
            #expect(ended.state == "failed" && ended.errorCode == "ACP_INVALID_ARGUMENT", "\(ended)")
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }
}
