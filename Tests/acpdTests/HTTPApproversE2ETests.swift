import Foundation
import Testing
import TestSupport

/// Issue 11, finding 1: who may answer the agent's permission requests, through `acpd run`, the
/// http channel and the demo agent's `[permission]` turn. Only the allowlist and a binding's
/// `approvers` may; a stranger under `strict` gets nothing, a member of an `access: members`
/// binding who may prompt is told `ERROR: unauthorized`, and the request stays pending for
/// someone who may.
struct HTTPApproversE2ETests {
    static let token = "approvers-\(UUID().uuidString.prefix(8))"

    static let config = """
        acp: { defaultAgent: demo }
        \(E2EConfig.demoAgent)
        bindings:
          - type: acp
            agentId: demo
            match: { channel: http, peer: { kind: direct, id: "locked" } }
            access: allowlist
          - type: acp
            agentId: demo
            match: { channel: http, peer: { kind: direct, id: "open" } }
            access: members
            approvers: ["http:quinn"]
        channels: { http: { enabled: true } }
        access:
          owners: ["http:alice"]
          unknownSenders: strict
          rateLimit: { perMinute: 6000, burst: 1000 }
        """

    /// Waits for the permission prompt of `run` and returns its request number.
    private func pendingRequest(_ daemon: DaemonProcess, run: String, in conversation: String) async throws -> Int {
        let prompt = try await daemon.waitForMessage(conversation, "the permission prompt of \(run)") {
            $0.runId == run && $0.kind == "permission"
        }
        let header = try #require(prompt.text.components(separatedBy: "\n").first)
        return try #require(header.components(separatedBy: "(#").dropFirst().first?.components(separatedBy: ")").first
            .flatMap { Int($0) }, "\(prompt.text)")
    }

    @Test("a stranger cannot approve (or see, or reset) in an access: allowlist binding; the owner's request stays theirs")
    func strangerInAllowlistBinding() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)
            let asked = try await daemon.post("locked", from: "alice", "[permission] deploy")
            let run = try #require(asked.runId, "\(asked)\n\(daemon.log)")
            let number = try await pendingRequest(daemon, run: run, in: "locked")
            let before = try await daemon.messages("locked").count
            for text in ["/acp allow \(number)", "/acp reject \(number)", "/acp status", "/new", "/acp cancel"] {
                let answer = try await daemon.post("locked", from: "mallory", text)
                #expect(answer.accepted == false && answer.keys == ["accepted"], "\(text): \(answer)")
            }
            #expect(try await daemon.messages("locked").count == before, "a stranger under strict gets nothing")
            #expect(try await daemon.run(run)?.state == "running", "the request is still pending")
            let owner = try await daemon.post("locked", from: "alice", "/acp allow \(number)")
            #expect(owner.reply?.hasPrefix("OK: allowed \(number)") == true, "\(owner)")
            #expect(try await daemon.finishedRun(run).state == "completed")
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }

    @Test("in an access: members binding a member may prompt but not approve (ERROR: unauthorized); an approver may")
    func membersAndApprovers() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)
            let asked = try await daemon.post("open", from: "mallory", "[permission] deploy")
            let run = try #require(asked.runId, "a member may prompt: \(asked)\n\(daemon.log)")
            let number = try await pendingRequest(daemon, run: run, in: "open")
            let member = try await daemon.post("open", from: "mallory", "/acp allow \(number)")
            #expect(member.reply == "ERROR: unauthorized", "\(member)")
            #expect(try await daemon.run(run)?.state == "running")
            let approver = try await daemon.post("open", from: "quinn", "/acp reject \(number)")
            #expect(approver.reply?.hasPrefix("OK: rejected \(number)") == true, "\(approver)")
            #expect(try await daemon.finishedRun(run).state == "completed")
            // The approver key grants approving, nothing else: quinn may not spawn.
            let spawn = try await daemon.post("lobby", from: "quinn", "/acp spawn")
            #expect(spawn.accepted == false, "\(spawn)")
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }
}
