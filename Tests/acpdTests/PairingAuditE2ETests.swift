import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// Issue 16 through `acpd run` on the http channel: pairing with roles from chat, the CLI (with
/// and without a daemon) and the API; the sender told once; revoke; the audit log (CLI and API).
@Suite("pairing and audit end to end")
struct PairingAuditE2ETests {
    static let token = "pairing-api-token"

    static let config = """
        acp:
          defaultAgent: demo
        \(E2EConfig.demoAgent)
        bindings:
        \(E2EConfig.acpBinding("room1"))
        channels:
          http: { enabled: true }
        access:
          owners: ["http:alice"]
          unknownSenders: request_approval
          rateLimit: { perMinute: 600, burst: 200 }
        """

    /// `acpd <arguments> --config acpd.yaml` in `dir`, as user `tester`.
    static func cli(_ arguments: [String], in dir: URL) async throws -> CLIRun {
        try await CLI.run(arguments + ["--config", "acpd.yaml"], in: dir, environment: ["USER": "tester"])
    }

    /// Asks for access as `sender` in `conversation`; returns the request id.
    static func request(_ daemon: DaemonProcess, _ sender: String, in conversation: String) async throws -> Int64 {
        #expect(try await daemon.post(conversation, from: sender, "let me in").accepted == false)
        return try #require(try daemon.pairingRequests().first { $0.senderId == sender }?.id)
    }

    /// Waits until `conversation` holds a message containing `fragment`; returns how many do.
    static func told(_ daemon: DaemonProcess, _ conversation: String, _ fragment: String) async throws -> Int {
        _ = try await daemon.waitForMessage(conversation, timeout: 15, "\(fragment) in \(conversation)\n\(daemon.log)") { $0.text.contains(fragment) }
        return try await daemon.messages(conversation).filter { $0.text.contains(fragment) }.count
    }

    @Test("the CLI approves as member while the daemon runs (the sender is told within seconds), the API denies, revoke takes access back, the audit shows it all")
    func pairingThroughCLIAndAPI() async throws {
        try await withTemporaryDirectory { dir in
            let daemon = try await DaemonProcess.start(in: dir, token: Self.token, config: Self.config)
            let bob = try await Self.request(daemon, "bob", in: "room1")
            let listed = try await Self.cli(["pairing", "--json"], in: dir)
            #expect(listed.status == 0 && listed.stdout.contains("\"sender\" : \"http:bob\""), "\(listed)")
            let approve = try await Self.cli(["pairing", "approve", "\(bob)", "--role", "member"], in: dir)
            #expect(approve.status == 0 && approve.stdout == "approved http:bob as member\n", "\(approve)")
            #expect(try await Self.told(daemon, "room1", "approved your access request as a member") == 1)
            // A member prompts in a config binding under `access: allowlist`; no allowlist command.
            let prompt = try await daemon.post("room1", from: "bob", "hello as a member")
            let runId = try #require(prompt.runId, "\(prompt)")
            #expect(try await daemon.finalText("room1", run: runId).contains("echo: hello as a member"))
            #expect(try await daemon.post("room1", from: "bob", "/acp spawn").reply == "ERROR: unauthorized")
            #expect(try await daemon.post("room1", from: "bob", "/acp status").reply?.hasPrefix("OK: ") == true)
            let again = try await Self.cli(["pairing", "approve", "\(bob)"], in: dir)
            #expect(again.status == 1 && again.stderr.contains("no pending pairing request \(bob)"), "\(again)")

            // The API: list, deny (told once), a bad role, an unknown id.
            let erin = try await Self.request(daemon, "erin", in: "erin-room")
            let (badRole, _) = try await daemon.json("POST", "/v1/pairing/\(erin)/approve", body: ["role": "admin"])
            #expect(badRole == 400)
            let (denied, body) = try await daemon.json("POST", "/v1/pairing/\(erin)/deny")
            #expect(denied == 200 && (body["request"] as? [String: Any])?["state"] as? String == "denied", "\(body)")
            let (unknown, _) = try await daemon.json("POST", "/v1/pairing/9999/approve", body: [:])
            #expect(unknown == 404)
            #expect(try await Self.told(daemon, "erin-room", "denied your access request") == 1)
            let (_, pairing) = try await daemon.json("GET", "/v1/pairing")
            let approved = (pairing["approved"] as? [[String: Any]]) ?? []
            #expect(approved.map { $0["sender"] as? String } == ["http:bob"] && approved.first?["role"] as? String == "member", "\(pairing)")

            // Revoke: bob is a stranger again (a new request), and says so in the audit.
            let revoke = try await Self.cli(["pairing", "revoke", "http:bob"], in: dir)
            #expect(revoke.status == 0 && revoke.stdout == "revoked http:bob (was member)\n", "\(revoke)")
            #expect(try await daemon.post("room1", from: "bob", "/acp status").keys == ["accepted"])
            #expect(try daemon.pairingRequests().filter { $0.senderId == "bob" }.map(\.state) == [.pending])

            let audit = try await Self.cli(["audit", "--json", "--since", "1h"], in: dir)
            #expect(audit.status == 0, "\(audit)")
            let entries = (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])?["entries"] as? [[String: Any]] ?? []
            let rows = entries.map { "\($0["sender"] as? String ?? "") \($0["command"] as? String ?? "") \($0["result"] as? String ?? "")" }
            #expect(rows.contains("cli:tester approve ok"), "\(rows)")
            #expect(rows.contains("api deny ok"), "\(rows)")
            #expect(rows.contains("cli:tester revoke ok"), "\(rows)")
            #expect(rows.contains("http:bob spawn unauthorized"), "\(rows)")
            #expect(rows.contains("http:bob status ok"), "\(rows)")
            #expect(rows.contains("http:bob status ignored"), "after the revoke\n\(rows)")
            #expect(!rows.contains { $0.contains("hello as a member") || $0.hasSuffix(" prompt") }, "plain messages are not audited")
            let (status, api) = try await daemon.json("GET", "/v1/audit?sender=http:bob&since=1h")
            let bobRows = (api["entries"] as? [[String: Any]]) ?? []
            #expect(status == 200 && bobRows.count == 3 && bobRows.allSatisfy { $0["conversation"] as? String == "room1" }, "\(api)")
            #expect(bobRows.contains { $0["command"] as? String == "status" && ($0["session"] as? String)?.hasPrefix("agent:demo:acp:binding:http:") == true })
            let (badSince, _) = try await daemon.json("GET", "/v1/audit?since=yesterday")
            #expect(badSince == 400)
            let table = try await Self.cli(["audit", "--sender", "cli:tester"], in: dir)
            #expect(table.stdout.contains("revoke") && table.stdout.contains("http:bob (was member)") && !table.stdout.contains("spawn"), "\(table)")
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test("without a daemon the CLI decides in the store; the next acpd run tells the sender, once across restarts")
    func pairingWithoutDaemon() async throws {
        try await withTemporaryDirectory { dir in
            var daemon = try await DaemonProcess.start(in: dir, token: Self.token, config: Self.config)
            let frank = try await Self.request(daemon, "frank", in: "frank-room")
            #expect(try await daemon.stop() == 0)
            let approve = try await Self.cli(["pairing", "approve", "\(frank)"], in: dir)
            #expect(approve.status == 0 && approve.stdout == "approved http:frank as operator\n", "\(approve)")
            let listed = try await Self.cli(["pairing"], in: dir)
            #expect(listed.stdout.contains("http:frank") && listed.stdout.contains("approved") && listed.stdout.contains("operator"), "\(listed)")
            daemon = try await DaemonProcess.start(in: dir, token: Self.token, config: Self.config)
            #expect(try await Self.told(daemon, "frank-room", "approved your access request") == 1)
            #expect(try await daemon.post("room1", from: "frank", "/acp sessions").reply?.hasPrefix("OK: ") == true, "an operator")
            #expect(try await daemon.stop() == 0)
            daemon = try await DaemonProcess.start(in: dir, token: Self.token, config: Self.config)
            try await Task.sleep(for: .seconds(2))
            #expect(try await daemon.messages("frank-room").filter { $0.text.contains("access request") }.count == 1, "told once")
            #expect(try await daemon.stop() == 0)
        }
    }
}
