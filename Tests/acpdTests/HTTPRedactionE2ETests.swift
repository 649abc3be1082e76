import Foundation
import Testing
import TestSupport

/// Redaction of agent output delivered to an http conversation by a real `acpd run`: the demo
/// agent echoes secrets back, `GET /v1/conversations/{id}/messages` must show `[redacted]`.
struct HTTPRedactionE2ETests {
    private static let token = "e2e-redact-api-\(UUID().uuidString.prefix(8))"
    private static let secret = "sesame-open-4242"
    private static let botToken = "tg-literal-bot-token-\(UUID().uuidString.prefix(6))"
    private static let agentKey = "agent-env-key-\(UUID().uuidString.prefix(6))"
    /// A Telegram-shaped token that is configured nowhere: caught by its shape.
    private static let shapedToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
    /// Longest delivered message: small, so a long answer is split into several messages.
    private static let maxChunkChars = 120

    private static var config: String {
        """
        acp:
          defaultAgent: demo
          stream: { maxChunkChars: \(maxChunkChars) }
        agents:
          demo:
            command: ["\(TestPaths.demoAgent)"]
            cwd: ./workspace
            env: { DEMO_API_KEY: "\(agentKey)" }
        bindings:
        \(E2EConfig.acpBinding("room1"))
        channels:
          http: { enabled: true }
          telegram:
            accounts:
              default: { botToken: "\(botToken)" }
        access:
          owners: ["http:alice"]
          secret: "\(secret)"
          rateLimit: { perMinute: 600, burst: 200 }
        """
    }

    private static var everySecret: [String] { [token, secret, botToken, agentKey, shapedToken, "value123abc"] }

    /// Sends `text` from the owner into room1 and returns the run's delivered text once final.
    private func echo(_ daemon: DaemonProcess, _ text: String) async throws -> [LoggedMessage] {
        let answer = try await daemon.post("room1", from: "alice", text)
        let runId = try #require(answer.runId, "\(answer)\n\(daemon.log)")
        return try await daemon.finalMessages("room1", run: runId)
    }

    @Test func echoedSecretsAreRedacted() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)
            let prompt = """
                [chunks=1] bot \(Self.botToken)
                api \(Self.token)
                secret \(Self.secret)
                env \(Self.agentKey)
                export FOO_API_KEY=value123abc
                telegram \(Self.shapedToken)
                """
            let messages = try await echo(daemon, prompt)
            let text = messages.map(\.text).joined(separator: "\n")
            #expect(text.hasPrefix("echo: [chunks=1] bot [redacted]"), "\(messages)")
            for secret in Self.everySecret { #expect(!text.contains(secret), "\(secret) leaked: \(text)") }
            #expect(text.contains("FOO_API_KEY=[redacted]"), "\(text)")
            #expect(text.components(separatedBy: "[redacted]").count == 7, "six secrets, six placeholders: \(text)")

            // Prose and non-secret names are left alone.
            let plain = try await echo(daemon, "[chunks=1] max_tokens=4096 keyboard: us")
            #expect(plain.map(\.text).joined() == "echo: [chunks=1] max_tokens=4096 keyboard: us")

            // A secret split across two streamed chunks that land in the same message.
            let (splitPrompt, cut) = Self.straddling(Self.secret, prefix: "[chunks=2]", answerLength: 50)
            #expect(cut > 0 && cut < Self.secret.count, "the chunk boundary cuts the secret")
            let split = try await echo(daemon, splitPrompt).map(\.text).joined()
            #expect(!split.contains(Self.secret), "\(split)")
            #expect(split.hasPrefix("echo: [chunks=2] [redacted]"), "\(split)")

            // Command replies are redacted too, in the API answer and in the delivered message.
            let status = try await daemon.post("room1", from: "alice", "/acp status \(Self.secret)")
            #expect(status.reply == "ERROR: ACP_SESSION_NOT_FOUND: no session with key or label [redacted]\nnext: list sessions with /acp sessions",
                    "\(status)")
            #expect(try await daemon.messages("room1").last?.text == status.reply)
            #expect(!daemon.log.contains(Self.secret), "the secret is never logged")
            #expect(try await daemon.stop() == 0)
        }
    }

    /// What a chat user typed can come back through the HTTP API (a session label, a run's error
    /// message); the API's answers are redacted like chat replies.
    @Test
    func apiAnswersAreRedacted() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)
            #expect(try await daemon.post("desk", from: "alice", "/auth \(Self.secret)").reply == "OK: unlocked for 600 seconds")
            let spawn = try await daemon.post("desk", from: "alice", "/acp spawn --label label-\(Self.secret)")
            #expect(spawn.reply?.hasPrefix("OK: spawned ") == true, "\(spawn)")
            let sessions = try await daemon.post("desk", from: "alice", "/acp sessions")
            #expect(sessions.reply?.contains("label-[redacted]") == true, "\(sessions)")
            let (status, body) = try await daemon.request("GET", "/v1/sessions")
            #expect(status == 200)
            let text = String(decoding: body, as: UTF8.self)
            #expect(text.contains("label-"), "\(text)")
            #expect(!text.contains(Self.secret), "\(text)")
            #expect(try await daemon.stop() == 0)
        }
    }

    /// A secret split across two streamed chunks whose halves also land in two different messages
    /// (the message boundary falls inside the secret): each message's text is redacted before it
    /// is split, so neither half shows.
    @Test func secretSplitAcrossChunksAndMessagesIsRedacted() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)
            // "echo: " + X where X has no blank: the splitter cuts after "echo:" and then hard-splits
            // X every `maxChunkChars`; the chunk boundary (half the answer) falls at the same place.
            let answerLength = 2 * (Self.maxChunkChars + "echo: ".count)
            let (prompt, cut) = Self.straddling(Self.secret, prefix: "[chunks=2]", answerLength: answerLength, blank: false)
            #expect(cut > 0 && cut < Self.secret.count)
            let messages = try await echo(daemon, prompt)
            #expect(messages.count >= 2, "\(messages)")
            let joined = messages.map(\.text).joined()
            #expect(!joined.contains(Self.secret), "halves: \(messages)")
            for half in [String(Self.secret.prefix(cut)), String(Self.secret.dropFirst(cut))] {
                #expect(!messages.contains { $0.text.contains(half) }, "\(half) in \(messages)")
            }
            #expect(try await daemon.stop() == 0)
        }
    }

    /// A secret split across two chunks streamed 3 s apart (room for the interim flush on a loaded machine): live delivery flushes the first chunk
    /// (after `coalesceIdleMs`) before the second arrives; the unfinished last word (the first half
    /// of the secret) is held back, so no interim edit shows it.
    @Test
    func noInterimEditShowsPartOfASecret() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)
            let (prompt, cut) = Self.straddling(Self.secret, prefix: "[chunks=2][delay=3000]", answerLength: 80)
            #expect(cut > 0 && cut < Self.secret.count)
            let answer = try await daemon.post("room1", from: "alice", prompt)
            let runId = try #require(answer.runId, "\(answer)")
            let seen = try await withDeadline(30, "run \(runId) is final") {
                var seen: [String] = []
                while true {
                    let mine = try await daemon.messages("room1").filter { $0.runId == runId }
                    seen += mine.map(\.text)
                    if mine.contains(where: \.final) { return seen }
                    try await Task.sleep(for: .milliseconds(25))
                }
            }
            let firstHalf = String(Self.secret.prefix(cut))
            #expect(!seen.contains { $0.contains(firstHalf) }, "interim texts: \(Set(seen))")
            // The first chunk was shown before the second arrived (else this test proves nothing).
            #expect(seen.contains { $0.hasPrefix("echo: [chunks=2][delay=3000]p") && !$0.contains("[redacted]") }, "\(Set(seen))")
            #expect(seen.last?.contains("[redacted]") == true)
            #expect(try await daemon.stop() == 0)
        }
    }

    /// A prompt whose echo (`echo: <prompt>`, `answerLength` ASCII characters) has `secret` across its
    /// middle, where the demo agent cuts `[chunks=2]`; returns it and how many characters of the
    /// secret fall into the first chunk.
    static func straddling(_ secret: String, prefix: String, answerLength: Int, blank: Bool = true) -> (String, Int) {
        let echoPrefix = "echo: "
        let half = answerLength / 2
        let leading = prefix + String(repeating: "p", count: max(0, half - secret.count / 2 - echoPrefix.count - prefix.count - (blank ? 1 : 0)))
        let start = echoPrefix.count + leading.count + (blank ? 1 : 0)
        let head = leading + (blank ? " " : "") + secret + (blank ? " " : "")
        let tail = String(repeating: "q", count: max(0, answerLength - echoPrefix.count - head.count))
        return (head + tail, half - start)
    }
}
