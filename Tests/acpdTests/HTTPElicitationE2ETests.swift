import Foundation
import Testing
import TestSupport

/// Elicitations (issue 15) end to end through `acpd run`, the http channel and the demo agent's
/// `[elicit]`, `[elicit-url]` and `[withdraw]` turns: a form is one `permission` message with its
/// fields, answered by button commands (`/acp answer <n> --set field=value`, as the buttons send
/// them), by the next plain message (checked; a bad answer is told why and asked again), or typed
/// (`/acp answer <n> field=value …`); declined; cancelled by `/acp cancel`, by the timeout, by a
/// restart; withdrawn by the agent (`$/cancel_request`, for a permission request too). The agent
/// echoes what it got. Every line acpd wrote to the agent is validated against the ACP schema.
struct HTTPElicitationE2ETests {
    /// The daemon config: the demo agent behind a shell that copies both directions of each agent
    /// process's stdio into its own directory under `capture` (for `validate_acp.py`); config
    /// `acp` bindings for `rooms`; `alice` an owner; `open` an `access: members` binding whose
    /// approver is `quinn`.
    static func config(capture: URL, rooms: [String], timeoutSeconds: Int = 600, agent: [String] = [TestPaths.demoAgent]) -> String {
        let shell = #"d=$(mktemp -d "$0/conn.XXXXXX") && tee "$d/client.ndjson" | "$@" | tee "$d/agent.ndjson""#
        return """
        acp:
          defaultAgent: demo
          permissions: { timeoutSeconds: \(timeoutSeconds) }
        agents:
          demo:
            command:
              - /bin/sh
              - -c
              - '\(shell)'
              - '\(capture.path)'
        \(agent.map { "      - '\($0)'" }.joined(separator: "\n"))
            cwd: ./workspace
        bindings:
        \(rooms.map { E2EConfig.acpBinding($0) }.joined(separator: "\n"))
          - type: acp
            agentId: demo
            match: { channel: http, peer: { kind: direct, id: "open" } }
            access: members
            approvers: ["http:quinn"]
        channels:
          http: { enabled: true }
        access:
          owners: ["http:alice"]
          unknownSenders: strict
          rateLimit: { perMinute: 6000, burst: 1000 }
        """
    }

    /// Starts a daemon on `config(…)` in `directory`; returns it and the capture directory.
    static func start(in directory: URL, rooms: [String], timeoutSeconds: Int = 600,
                      agent: [String] = [TestPaths.demoAgent]) async throws -> (DaemonProcess, URL) {
        let capture = directory.appendingPathComponent("capture")
        try FileManager.default.createDirectory(at: capture, withIntermediateDirectories: true)
        let daemon = try await DaemonProcess.start(in: directory, token: "elicit-\(UUID().uuidString.prefix(8))",
                                                   config: config(capture: capture, rooms: rooms, timeoutSeconds: timeoutSeconds, agent: agent))
        return (daemon, capture)
    }

    /// Validates every captured agent process: what acpd sent (`--side client`) and what the demo
    /// agent sent (`--side agent`), each against the other for response methods.
    static func validateCapture(_ capture: URL, actions: [String]) async throws {
        let connections = try FileManager.default.contentsOfDirectory(at: capture, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("conn.") }
        #expect(!connections.isEmpty, "no agent process was captured")
        for connection in connections {
            let client = connection.appendingPathComponent("client.ndjson")
            let agent = connection.appendingPathComponent("agent.ndjson")
            for (side, file, peer) in [("client", client, agent), ("agent", agent, client)] {
                let report = connection.appendingPathComponent("validate-\(side).out")
                _ = FileManager.default.createFile(atPath: report.path, contents: nil)
                let output = try FileHandle(forWritingTo: report)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: TestPaths.python)
                process.arguments = [TestPaths.peer("validate_acp.py"), "--side", side, file.path, "--peer", peer.path]
                process.standardOutput = output
                process.standardError = output
                let status: Int32 = try await withCheckedThrowingContinuation { continuation in
                    process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                    do { try process.run() } catch { continuation.resume(throwing: error) }
                }
                try output.close()
                #expect(status == 0, "validate_acp.py --side \(side) \(connection.lastPathComponent): \((try? String(contentsOf: report, encoding: .utf8)) ?? "")")
            }
        }
        let sent = try connections.map { try String(contentsOf: $0.appendingPathComponent("client.ndjson"), encoding: .utf8) }.joined()
        let initializes = sent.split(separator: "\n").compactMap { line -> [String: Any]? in
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            return object?["method"] as? String == "initialize" ? object?["params"] as? [String: Any] : nil
        }
        #expect(!initializes.isEmpty && initializes.allSatisfy { params in
            let elicitation = (params["clientCapabilities"] as? [String: Any])?["elicitation"] as? [String: Any]
            return elicitation?["form"] is [String: Any] && elicitation?["url"] is [String: Any]
        }, "initialize advertises both elicitation modes: \(initializes)")
        for action in actions { #expect(sent.contains(#""action":"\#(action)""#), "acpd answered \(action)") }
    }

    /// The question message of `run` in `conversation` (its first state) and its number.
    static func question(_ chat: E2EChat, run: String, in conversation: String, timeout: Double = 20) async throws -> (E2EMessage, Int) {
        let message = try await chat.waitForMessage(in: conversation, "the question of \(run)", timeout: timeout) {
            $0.runId == run && $0.kind == "permission"
        }
        let number = try #require(message.text.components(separatedBy: "(#").dropFirst().first?.components(separatedBy: ")").first
            .flatMap { Int($0) }, "\(message.text)")
        return (message, number)
    }

    /// The message with `seq` once its text satisfies `predicate`.
    static func message(_ chat: E2EChat, _ seq: Int64, in conversation: String, _ what: String,
                        where predicate: @escaping @Sendable (String) -> Bool) async throws -> E2EMessage {
        try await chat.waitForMessage(in: conversation, what) { $0.seq == seq && predicate($0.text) }
    }

    @Test("a form: button commands, a bad plain answer re-asked, the next plain message, typed, declined, a URL; all schema-valid")
    func formsAnsweredEveryWay() async throws {
        try await withTemporaryDirectory { directory in
            let (daemon, capture) = try await Self.start(in: directory, rooms: ["e-buttons", "e-typed", "e-decline", "e-url"])
            let chat = E2EChat(daemon: daemon)

            // The button path: the form lists each field; the buttons' commands record choices.
            let run = try await chat.prompt("[elicit] deploy", in: "e-buttons")
            let (ask, n) = try await Self.question(chat, run: run, in: "e-buttons")
            let lines = ask.text.components(separatedBy: "\n")
            #expect(lines == [
                "❓ Question from the agent (#\(n)): Where should the demo deploy go?",
                "• Environment [env]: one of staging (Staging), production (Production) (required)",
                "• Dry run [dry_run]: yes or no → no",
                "• Reason [reason]: text, 3–80 characters (required)",
                "  Why deploy now",
                "Reply with the Reason, or /acp answer \(n) field=value …, or /acp decline \(n)",
            ], "\(ask.text)")
            #expect(try await chat.command("/acp status", in: "e-buttons").contains("question \(n) pending: Where should the demo deploy go?"))
            #expect(try await chat.command("/acp answer \(n) --set env=production", in: "e-buttons")
                == "OK: recorded Environment for question \(n); next: send the Reason; /acp answer \(n) submits")
            _ = try await Self.message(chat, ask.seq, in: "e-buttons", "the choice shown") { $0.contains("(required) → production") }
            // Submitting before the required reason is there is refused, and says what is missing.
            #expect(try await chat.command("/acp answer \(n)", in: "e-buttons")
                == "ERROR: ACP_INVALID_ARGUMENT: question \(n) still needs: Reason\nnext: /acp answer \(n) field=value …")
            // A plain message answers the reason: too short is told why and asked again.
            #expect(try await chat.command("no", in: "e-buttons")
                == "ERROR: ACP_INVALID_ARGUMENT: Reason: must be at least 3 characters\nnext: send the Reason again, or /acp decline \(n)")
            #expect(try await chat.run(run).state == "running")
            // The next one fills the last field: the form is sent.
            #expect(try await chat.command("ship the fix", in: "e-buttons") == "OK: answered \(n)")
            #expect(try await chat.finalText(of: run, in: "e-buttons").contains("elicitation: accept dry_run=false env=production reason=ship the fix"))
            let answered = try await Self.message(chat, ask.seq, in: "e-buttons", "the answered form") { $0.contains("— answered") }
            #expect(answered.text == """
                ❓ Question from the agent (#\(n)): Where should the demo deploy go? — answered
                • Environment: production
                • Dry run: no
                • Reason: ship the fix
                """)
            #expect(try await chat.command("/acp answer \(n) env=staging", in: "e-buttons")
                == "ERROR: ACP_INVALID_ARGUMENT: no pending question \(n) here\nnext: see /acp help")
            #expect(try await chat.command("/acp status", in: "e-buttons").contains("question ") == false)

            // Typed: every field in one command; a value that does not fit is refused first.
            let typedRun = try await chat.prompt("[elicit] typed", in: "e-typed")
            let (_, t) = try await Self.question(chat, run: typedRun, in: "e-typed")
            #expect(t != n)
            #expect(try await chat.command("/acp answer \(t) env=moon reason=\"because typed\"", in: "e-typed")
                == "ERROR: ACP_INVALID_ARGUMENT: Environment: must be one of: staging, production\nnext: see /acp help")
            #expect(try await chat.command("/acp answer \(t) colour=red", in: "e-typed")
                == "ERROR: ACP_INVALID_ARGUMENT: question \(t) has no field \"colour\"\nnext: fields: env, dry_run, reason")
            #expect(try await chat.command("/acp answer \(t) env=Staging dry_run=yes reason=\"because typed\"", in: "e-typed")
                == "OK: answered \(t)")
            #expect(try await chat.finalText(of: typedRun, in: "e-typed").contains("elicitation: accept dry_run=true env=staging reason=because typed"))

            // Declined.
            let declineRun = try await chat.prompt("[elicit] no thanks", in: "e-decline")
            let (declineAsk, d) = try await Self.question(chat, run: declineRun, in: "e-decline")
            #expect(try await chat.command("/acp decline \(d)", in: "e-decline") == "OK: declined \(d)")
            #expect(try await chat.finalText(of: declineRun, in: "e-decline").contains("elicitation: decline"))
            _ = try await Self.message(chat, declineAsk.seq, in: "e-decline", "the declined form") { $0.hasSuffix("— declined") }

            // A URL: continue, then the agent's elicitation/complete edits the message.
            let urlRun = try await chat.prompt("[elicit-url] login", in: "e-url")
            let (urlAsk, u) = try await Self.question(chat, run: urlRun, in: "e-url")
            let urlLines = urlAsk.text.components(separatedBy: "\n")
            #expect(urlLines.first == "🔗 The agent asks you to open a link (#\(u)): Sign in to the demo service", "\(urlAsk.text)")
            #expect(urlLines.dropFirst().first?.hasPrefix("https://example.com/demo-login?session=login-") == true, "\(urlAsk.text)")
            #expect(urlLines.last == "Reply /acp answer \(u) once done (continue) or /acp decline \(u)")
            #expect(try await chat.command("/acp answer \(u)", in: "e-url") == "OK: answered \(u)")
            #expect(try await chat.finalText(of: urlRun, in: "e-url").contains("elicitation: accept (url login-"))
            _ = try await Self.message(chat, urlAsk.seq, in: "e-url", "the completed link") {
                $0 == "🔗 Link from the agent (#\(u)): Sign in to the demo service — completed"
            }

            // The audit log: each end of a question, and each answer command with who sent it.
            let audit = try daemon.withStore { try $0.auditEntries() }
            #expect(audit.contains { $0.command == "elicitation" && $0.result == "accepted" && $0.detail == "question \(n)" && $0.sender == "chat"
                && $0.conversationId == "e-buttons" && $0.runId == run })
            #expect(audit.contains { $0.command == "elicitation" && $0.result == "declined" && $0.detail == "question \(d)" })
            #expect(audit.contains { $0.command == "answer" && $0.sender == "http:alice" && $0.result == "ok" })
            #expect(!audit.contains { $0.detail?.contains("ship the fix") == true }, "values never reach the audit log")

            #expect(try await daemon.stop(signal: SIGTERM) == 0)
            try await Self.validateCapture(capture, actions: ["accept", "decline"])
        }
    }

    @Test("/acp cancel and $/cancel_request (an elicitation and a permission request) end a pending question in chat")
    func cancelledAndWithdrawn() async throws {
        try await withTemporaryDirectory { directory in
            let (daemon, capture) = try await Self.start(in: directory, rooms: ["e-cancel", "e-withdraw", "p-withdraw"])
            let chat = E2EChat(daemon: daemon)

            // /acp cancel withdraws the pending form with the run.
            let cancelRun = try await chat.prompt("[elicit] stop me", in: "e-cancel")
            let (cancelAsk, c) = try await Self.question(chat, run: cancelRun, in: "e-cancel")
            #expect(try await chat.command("/acp cancel", in: "e-cancel") == "OK: cancelled the active run \(cancelRun)")
            #expect(try await chat.waitForRun(cancelRun, state: "cancelled").errorCode == nil)
            _ = try await Self.message(chat, cancelAsk.seq, in: "e-cancel", "the cancelled form") {
                $0 == "❓ Question from the agent (#\(c)): Where should the demo deploy go? — cancelled"
            }
            #expect(try await chat.command("/acp decline \(c)", in: "e-cancel")
                == "ERROR: ACP_INVALID_ARGUMENT: no pending question \(c) here\nnext: see /acp help")

            // The agent withdraws its question: the message says so; acpd answered it cancel.
            let withdrawRun = try await chat.prompt("[elicit] [withdraw] never mind", in: "e-withdraw")
            let (withdrawAsk, w) = try await Self.question(chat, run: withdrawRun, in: "e-withdraw")
            _ = try await Self.message(chat, withdrawAsk.seq, in: "e-withdraw", "the withdrawn form") {
                $0 == "❓ Question from the agent (#\(w)): Where should the demo deploy go? — withdrawn by the agent"
            }
            #expect(try await chat.finalText(of: withdrawRun, in: "e-withdraw").contains("elicitation: cancel"))

            // And a permission request it withdraws.
            let permissionRun = try await chat.prompt("[permission] [withdraw] deploy", in: "p-withdraw")
            let permission = try await chat.waitForMessage(in: "p-withdraw", "the permission prompt") {
                $0.runId == permissionRun && $0.kind == "permission"
            }
            _ = try await Self.message(chat, permission.seq, in: "p-withdraw", "the withdrawn permission request") {
                $0.hasPrefix("🔐 Permission (#") && $0.hasSuffix("— withdrawn by the agent")
            }
            _ = try await chat.finalText(of: permissionRun, in: "p-withdraw")

            #expect(try await daemon.stop(signal: SIGTERM) == 0)
            try await Self.validateCapture(capture, actions: ["cancel"])
        }
    }

    @Test("nobody answers within acp.permissions.timeoutSeconds: the question is cancelled and says so")
    func timedOut() async throws {
        try await withTemporaryDirectory { directory in
            let (daemon, _) = try await Self.start(in: directory, rooms: ["e-timeout"], timeoutSeconds: 1)
            let chat = E2EChat(daemon: daemon)
            let timeoutRun = try await chat.prompt("[elicit] wait", in: "e-timeout")
            let (timeoutAsk, _) = try await Self.question(chat, run: timeoutRun, in: "e-timeout")
            _ = try await Self.message(chat, timeoutAsk.seq, in: "e-timeout", "the timed-out form") { $0.hasSuffix("— timed out (cancelled)") }
            #expect(try await chat.finalText(of: timeoutRun, in: "e-timeout").contains("elicitation: cancel"))

            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }

    @Test("who may answer: a member may not (ERROR: unauthorized; their plain message stays a prompt), an approver may, a stranger gets nothing")
    func onlyAllowlistAndApproversAnswer() async throws {
        try await withTemporaryDirectory { directory in
            let (daemon, _) = try await Self.start(in: directory, rooms: ["locked"])
            let asked = try await daemon.post("open", from: "mallory", "[elicit] members room")
            let run = try #require(asked.runId, "a member may prompt: \(asked)\n\(daemon.log)")
            let (_, n) = try await Self.question(E2EChat(daemon: daemon), run: run, in: "open")
            let member = try await daemon.post("open", from: "mallory", "/acp answer \(n) env=staging reason=\"by a member\"")
            #expect(member.reply == "ERROR: unauthorized", "\(member)")
            let memberDecline = try await daemon.post("open", from: "mallory", "/acp decline \(n)")
            #expect(memberDecline.reply == "ERROR: unauthorized", "\(memberDecline)")
            // A member's plain message is not an answer: it is queued as the next prompt.
            let memberText = try await daemon.post("open", from: "mallory", "a member's reason")
            #expect(memberText.runId != nil && memberText.reply == nil, "\(memberText)")
            #expect(try await daemon.run(run)?.state == "running")
            // The approver's plain message answers the reason; then the environment.
            let approverText = try await daemon.post("open", from: "quinn", "an approver's reason")
            #expect(approverText.reply == "OK: recorded Reason for question \(n); still needed: Environment; /acp answer \(n) submits",
                    "\(approverText)")
            let approver = try await daemon.post("open", from: "quinn", "/acp answer \(n) env=staging")
            #expect(approver.reply == "OK: answered \(n)", "\(approver)")
            #expect(try await daemon.finalText("open", run: run).contains("elicitation: accept dry_run=false env=staging reason=an approver's reason"))

            // A stranger in an access: allowlist room gets nothing, and the question stays pending.
            let owned = try await daemon.post("locked", from: "alice", "[elicit] owner's")
            let ownedRun = try #require(owned.runId)
            let (_, o) = try await Self.question(E2EChat(daemon: daemon), run: ownedRun, in: "locked")
            for text in ["/acp answer \(o) env=staging reason=stranger", "/acp decline \(o)", "a stranger's reason"] {
                let answer = try await daemon.post("locked", from: "mallory", text)
                #expect(answer.accepted == false && answer.keys == ["accepted"], "\(text): \(answer)")
            }
            #expect(try await daemon.run(ownedRun)?.state == "running")
            #expect(try await daemon.post("locked", from: "alice", "/acp decline \(o)").reply == "OK: declined \(o)")
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
        }
    }

    @Test("a question pending when acpd is killed is cancelled after the restart, and its message says so")
    func interruptedByARestart() async throws {
        try await withTemporaryDirectory { directory in
            let (first, _) = try await Self.start(in: directory, rooms: ["room1"])
            let run = try await E2EChat(daemon: first).prompt("[elicit] survive", in: "room1")
            let (ask, n) = try await Self.question(E2EChat(daemon: first), run: run, in: "room1")
            _ = try await first.stop(signal: SIGKILL)

            let second = try await DaemonProcess(directory: directory, port: first.port, token: first.token)
            let chat = E2EChat(daemon: second)
            _ = try await Self.message(chat, ask.seq, in: "room1", "the interrupted form") {
                $0 == "❓ Question from the agent (#\(n)): Where should the demo deploy go? — cancelled: acpd restarted"
            }
            #expect(try await chat.waitForRun(run, state: "failed").errorCode == "ACP_TURN_FAILED")
            #expect(try await chat.command("/acp answer \(n) env=staging reason=late", in: "room1")
                == "ERROR: ACP_INVALID_ARGUMENT: no pending question \(n) here\nnext: see /acp help")
            #expect(try await second.stop(signal: SIGTERM) == 0)
        }
    }

    @Test("an agent on the official Python SDK elicits through create_elicitation; the typed answer reaches it")
    func pythonSDKPeerElicits() async throws {
        try await withTemporaryDirectory { directory in
            let (daemon, capture) = try await Self.start(in: directory, rooms: ["py-room"],
                                                         agent: [TestPaths.python, TestPaths.peer("python/peer_agent.py")])
            let chat = E2EChat(daemon: daemon)
            let run = try await chat.prompt("[elicit] from python", in: "py-room")
            let (ask, n) = try await Self.question(chat, run: run, in: "py-room", timeout: 60)
            #expect(ask.text.components(separatedBy: "\n").dropFirst().first == "• Environment [env]: one of staging, production (required)",
                    "\(ask.text)")
            #expect(try await chat.command("/acp answer \(n) env=production reason=\"from the sdk\"", in: "py-room") == "OK: answered \(n)")
            #expect(try await chat.finalText(of: run, in: "py-room", timeout: 60)
                .contains("elicitation: accept dry_run=false env=production reason=from the sdk"))
            #expect(try await daemon.stop(signal: SIGTERM) == 0)
            try await Self.validateCapture(capture, actions: ["accept"])
        }
    }
}
