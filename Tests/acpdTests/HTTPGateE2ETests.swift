import Foundation
import Testing
import TestSupport

/// The gate through the http channel of a real `acpd run`: `unknownSenders: public`, the
/// per-sender rate limit, and the shared secret with `/auth` and `/lock` (docs/commands.md).
struct HTTPGateE2ETests {
    private static let token = "e2e-gate-\(UUID().uuidString.prefix(8))"
    private static let secret = "sesame-open-\(UUID().uuidString.prefix(6))"
    private static let burst = 8

    private static var config: String {
        """
        acp:
          defaultAgent: demo
        \(E2EConfig.demoAgent)
        bindings:
        \(E2EConfig.acpBinding("room1"))
        channels:
          http: { enabled: true }
        access:
          owners: ["http:alice"]
          allowFrom: ["http:carol"]
          unknownSenders: public
          secret: "\(secret)"
          authTtlSeconds: 600
          rateLimit: { perMinute: 1, burst: \(burst) }
        """
    }

    @Test func publicSendersRateLimitAndSharedSecret() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)
            var answers: [PostAnswer] = []
            func post(_ conversation: String, _ sender: String, _ text: String, status: Int = 202) async throws -> PostAnswer {
                let answer = try await daemon.post(conversation, from: sender, text)
                #expect(answer.status == status, "\(text): \(answer)")
                answers.append(answer)
                return answer
            }
            /// Over the limit: `429 {"error": {"code": "HTTP_RATE_LIMITED"}}`, nothing done (the chat
            /// reply `ERROR: rate limited (try again later)` is still delivered to the conversation).
            func expectLimited(_ answer: PostAnswer) {
                #expect(answer.status == 429, "\(answer)")
                #expect((answer.object["error"] as? [String: Any])?["code"] as? String == "HTTP_RATE_LIMITED", "\(answer)")
                #expect(answer.runId == nil && answer.accepted == nil, "\(answer)")
            }

            // public: a stranger is allowlisted: prompts run, owner commands are refused,
            // guarded commands are locked like anyone else's.
            let prompt = try await post("room1", "pat", "hello from the public")
            let runId = try #require(prompt.runId, "\(prompt)\n\(daemon.log)")
            #expect(try await daemon.finalText("room1", run: runId).contains("echo: hello from the public"))
            #expect(try await post("room1", "pat", "/acp doctor").reply == "ERROR: unauthorized")
            #expect(try await post("room1", "pat", "/acp unbind").reply == "ERROR: locked (send /auth <secret> first)")

            // Rate limit: `burst` messages pass, the next are refused and start nothing.
            for index in 1...Self.burst {
                let answer = try await post("room1", "rita", "/acp status")
                #expect(answer.reply?.hasPrefix("OK: agent:demo:acp:binding:") == true, "message \(index): \(answer)")
            }
            let runsBefore = try daemon.runCount()
            expectLimited(try await post("room1", "rita", "/acp status", status: 429))
            expectLimited(try await post("room1", "rita", "this must not run", status: 429))
            #expect(try daemon.runCount() == runsBefore)
            #expect(try await daemon.messages("room1").filter { $0.text == "ERROR: rate limited (try again later)" }.count == 2)
            // Buckets are per sender; refused messages (unauthorized) use no tokens.
            for _ in 1...(Self.burst + 2) {
                #expect(try await post("room1", "quinn", "/acp doctor").reply == "ERROR: unauthorized")
            }
            for index in 1...Self.burst {
                let answer = try await post("room1", "quinn", "/acp cancel")
                #expect(answer.reply == "OK: nothing to cancel", "message \(index): \(answer)")
            }
            expectLimited(try await post("room1", "quinn", "/acp cancel", status: 429))
            let (_, metrics) = try await daemon.request("GET", "/metrics")
            #expect(String(decoding: metrics, as: UTF8.self).contains(#"acpd_rate_limited_total{channel="http"} 3"#))

            // Shared secret: guarded commands are locked until /auth, a wrong secret stays locked,
            // /lock locks again; unguarded commands work throughout.
            let locked = "ERROR: locked (send /auth <secret> first)"
            #expect(try await post("desk", "carol", "/acp unbind").reply == locked)
            #expect(try await post("desk", "carol", "/auth not-the-secret").reply == "ERROR: unauthorized")
            #expect(try await post("desk", "carol", "/acp unbind").reply == locked)
            #expect(try await post("desk", "carol", "/auth \(Self.secret)").reply == "OK: unlocked for 600 seconds")
            // Past the gate: unbind answers for itself (nothing is bound in desk).
            let unlocked = try await post("desk", "carol", "/acp unbind")
            #expect(unlocked.reply?.hasPrefix("ERROR: ACP_NOT_BOUND: ") == true, "\(unlocked)")
            #expect(try await post("desk", "carol", "/lock").reply == "OK: locked")
            #expect(try await post("desk", "carol", "/acp unbind").reply == locked)
            #expect(try await post("room1", "carol", "/acp status").reply?.hasPrefix("OK: ") == true)
            // A wrong secret ends an unlock early.
            #expect(try await post("desk", "alice", "/auth \(Self.secret)").reply == "OK: unlocked for 600 seconds")
            #expect(try await post("desk", "alice", "/acp doctor").reply?.hasPrefix("OK: ") == true)
            #expect(try await post("desk", "alice", "/auth wrong-\(Self.secret)").reply == "ERROR: unauthorized")
            // The unlock is per sender: carol's does not unlock the owner.
            #expect(try await post("desk", "alice", "/acp doctor").reply == locked)

            // The secret never shows: not in an answer, not in a delivered message, not in the log.
            let delivered = try await daemon.messages("room1") + daemon.messages("desk")
            for answer in answers { #expect(!answer.text.contains(Self.secret), "\(answer)") }
            for message in delivered { #expect(!message.text.contains(Self.secret), "\(message)") }
            #expect(!daemon.log.contains(Self.secret))
            #expect(try await daemon.stop() == 0)
        }
    }

    /// An unlock lasts `access.authTtlSeconds`, then guarded commands are locked again.
    @Test func theUnlockExpiresAfterAuthTtlSeconds() async throws {
        let config = """
            acp:
              defaultAgent: demo
            \(E2EConfig.demoAgent)
            channels:
              http: { enabled: true }
            access:
              owners: ["http:alice"]
              secret: "\(Self.secret)"
              authTtlSeconds: 1
              rateLimit: { perMinute: 6000, burst: 200 }
            """
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: config)
            let beforeAuth = Date()
            #expect(try await daemon.post("desk", from: "alice", "/auth \(Self.secret)").reply == "OK: unlocked for 1 second")
            // (That the unlock works is shown above; a 1-second unlock may be over before a check under load.)
            try await withDeadline(10, "the unlock expires") {
                while try await daemon.post("desk", from: "alice", "/acp doctor").reply != "ERROR: locked (send /auth <secret> first)" {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(Date().timeIntervalSince(beforeAuth) >= 1, "not before the TTL")
            #expect(try await daemon.stop() == 0)
        }
    }

    /// A client that got `429` retries the same request (same Idempotency-Key) once the bucket has
    /// refilled: the retry is processed, it does not replay the stored refusal.
    @Test
    func aRateLimitedPostCanBeRetriedWithTheSameKey() async throws {
        let config = """
            acp:
              defaultAgent: demo
            \(E2EConfig.demoAgent)
            bindings:
            \(E2EConfig.acpBinding("room1"))
            channels:
              http: { enabled: true }
            access:
              owners: ["http:alice"]
              rateLimit: { perMinute: 12, burst: 1 }
            """
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: config)
            #expect(try await daemon.post("room1", from: "alice", "/acp status", key: "first").status == 202)
            let refused = try await daemon.post("room1", from: "alice", "/acp cancel", key: "retried")
            #expect(refused.status == 429, "\(refused)")
            // One token comes back every 5 s (long enough that the refusal above cannot miss it on
            // a loaded machine); retry the same request until it goes through.
            let retried = try await withDeadline(30, "the retry with the same key is processed") {
                while true {
                    let answer = try await daemon.post("room1", from: "alice", "/acp cancel", key: "retried")
                    if answer.status == 202 { return answer.text }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(retried.contains("OK: nothing to cancel"), "\(retried)")
            #expect(try await daemon.stop() == 0)
        }
    }
}
