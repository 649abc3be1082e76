import Foundation
import Testing
import TestSupport

/// Permission requests end to end through the http channel: the demo agent's `[permission]`
/// turn asks, acpd shows a `permission` message with the options and how to answer, and the
/// request ends answered (allow, reject), timed out, or cancelled, each visible in the message
/// (edited in place), in the agent's answer, in the run and in the metrics.
struct HTTPPermissionsE2ETests {
    /// The permission prompt of `run` in `conversation`, and its request number.
    private func permissionPrompt(_ chat: E2EChat, run: String, in conversation: String) async throws -> (E2EMessage, Int) {
        let message = try await chat.waitForMessage(in: conversation, "the permission prompt of \(run)") {
            $0.runId == run && $0.kind == "permission"
        }
        let header = try #require(message.text.components(separatedBy: "\n").first)
        let number = try #require(header.components(separatedBy: "(#").dropFirst().first?.components(separatedBy: ")").first
            .flatMap { Int($0) }, "\(message.text)")
        return (message, number)
    }

    /// The permission message with this seq, once its text satisfies `settled`.
    private func settled(_ chat: E2EChat, _ prompt: E2EMessage, in conversation: String,
                         _ what: String, timeout: Double = 20) async throws -> E2EMessage {
        let seq = prompt.seq
        return try await chat.waitForMessage(in: conversation, "the permission message \(what)", timeout: timeout) {
            $0.seq == seq && $0.text.hasSuffix(what)
        }
    }

    @Test func allowAlwaysPicksTheAlwaysOptionAndAWrongScopeIsRefused() async throws {
        try await withE2EDaemon(boundConversations: ["p-always"]) { chat, _ in
            let run = try await chat.prompt("[permission] deploy", in: "p-always")
            let (_, number) = try await permissionPrompt(chat, run: run, in: "p-always")
            let wrong = try await chat.command("/acp allow \(number) forever", in: "p-always")
            #expect(wrong.hasPrefix("ERROR: ACP_INVALID_ARGUMENT:") && wrong.contains("once or always"), "\(wrong)")
            let answer = try await chat.command("/acp allow \(number) always", in: "p-always")
            #expect(answer.hasPrefix("OK: allowed \(number): "), "\(answer)")
            #expect(try await chat.finalText(of: run, in: "p-always").contains("permission: selected allow-always"))
        }
    }

    @Test func answeredByAllowAndRejectAndCancelledByCancel() async throws {
        try await withE2EDaemon(boundConversations: ["p-allow", "p-reject", "p-cancel"]) { chat, _ in
            // Allow: the prompt lists the options and the commands; the turn continues with the choice.
            let allowRun = try await chat.prompt("[permission] deploy", in: "p-allow")
            let (ask, number) = try await permissionPrompt(chat, run: allowRun, in: "p-allow")
            let lines = ask.text.components(separatedBy: "\n")
            #expect(lines.first?.hasPrefix("🔐 Permission requested (#\(number)): ") == true, "\(ask.text)")
            #expect(lines.first?.hasSuffix(" [execute]") == true, "\(ask.text)")
            try #require(lines.count == 5, "three options: \(ask.text)")
            // Unnumbered options, each with the typed command that picks it ("always" named).
            #expect(lines.dropFirst().prefix(3).allSatisfy { $0.hasPrefix("• ") }, "\(ask.text)")
            #expect(lines[1].hasSuffix(": /acp allow \(number)") && lines[3].hasSuffix(": /acp reject \(number)"), "\(ask.text)")
            #expect(lines[2].hasSuffix(": /acp allow \(number) always"), "\(ask.text)")
            #expect(lines.last == "Reply /acp allow \(number) or /acp reject \(number)")
            #expect(!ask.final)
            let title = String(lines[0].dropFirst("🔐 Permission requested (#\(number)): ".count))
            let allowName = String(lines[1].dropFirst(2).dropLast(": /acp allow \(number)".count))
            let rejectName = String(lines[3].dropFirst(2).dropLast(": /acp reject \(number)".count))
            let status = try await chat.command("/acp status", in: "p-allow")
            #expect(status.contains("permission \(number) pending: "), "\(status)")
            #expect(try await chat.run(allowRun).state == "running")

            #expect(try await chat.command("/acp allow \(number)", in: "p-allow") == "OK: allowed \(number): \(allowName)")
            #expect(try await chat.finalText(of: allowRun, in: "p-allow").contains("permission: selected allow-once"))
            #expect(try await chat.run(allowRun).state == "completed")
            let answered = try await settled(chat, ask, in: "p-allow", "— answered: \(allowName)")
            #expect(answered.text == "🔐 Permission (#\(number)): \(title) — answered: \(allowName)")
            #expect(answered.final)
            #expect(try await chat.command("/acp allow \(number)", in: "p-allow")
                == "ERROR: ACP_INVALID_ARGUMENT: no pending permission request \(number) here\nnext: see /acp help")

            // Reject: the agent is told the rejection.
            let rejectRun = try await chat.prompt("[permission] delete", in: "p-reject")
            let (rejectAsk, rejectNumber) = try await permissionPrompt(chat, run: rejectRun, in: "p-reject")
            #expect(rejectNumber != number)
            // A request is answered only from the conversation whose session asked it.
            #expect(try await chat.command("/acp reject \(rejectNumber)", in: "p-allow")
                == "ERROR: ACP_INVALID_ARGUMENT: no pending permission request \(rejectNumber) here\nnext: see /acp help")
            #expect(try await chat.command("/acp reject \(rejectNumber)", in: "p-reject") == "OK: rejected \(rejectNumber): \(rejectName)")
            #expect(try await chat.finalText(of: rejectRun, in: "p-reject").contains("permission: selected reject-once"))
            #expect(try await chat.run(rejectRun).state == "completed")
            _ = try await settled(chat, rejectAsk, in: "p-reject", "— answered: \(rejectName)")

            // Cancel while the request is pending: the message says so and the run ends cancelled.
            let cancelRun = try await chat.prompt("[permission] reboot", in: "p-cancel")
            let (cancelAsk, cancelNumber) = try await permissionPrompt(chat, run: cancelRun, in: "p-cancel")
            #expect(try await chat.command("/acp cancel", in: "p-cancel") == "OK: cancelled the active run \(cancelRun)")
            #expect(try await chat.waitForRun(cancelRun, state: "cancelled").errorCode == nil)
            let withdrawn = try await settled(chat, cancelAsk, in: "p-cancel", "— cancelled")
            #expect(withdrawn.text.hasPrefix("🔐 Permission (#\(cancelNumber)): "), "\(withdrawn.text)")
            #expect(try await chat.finalText(of: cancelRun, in: "p-cancel").hasSuffix("stopped"))
            #expect(try await chat.command("/acp allow \(cancelNumber)", in: "p-cancel")
                == "ERROR: ACP_INVALID_ARGUMENT: no pending permission request \(cancelNumber) here\nnext: see /acp help")
            #expect(try await chat.command("/acp status", in: "p-cancel").contains("permission ") == false)

            #expect(try await chat.metric("acpd_permission_requests_total", ["outcome": "answered"]) == 2)
            #expect(try await chat.metric("acpd_permission_requests_total", ["outcome": "cancelled"]) == 1)
        }
    }

    @Test func resetAndCloseWithdrawAPendingRequest() async throws {
        try await withE2EDaemon(boundConversations: ["p-reset"]) { chat, _ in
            // /reset while the agent waits for an answer: the request is withdrawn, the run cancelled.
            let run = try await chat.prompt("[permission] reset me", in: "p-reset")
            let (ask, number) = try await permissionPrompt(chat, run: run, in: "p-reset")
            let key = try await chat.run(run).sessionKey
            #expect(try await chat.command("/reset", in: "p-reset") == "OK: fresh session in \(key)")
            #expect(try await chat.waitForRun(run, state: "cancelled").errorCode == nil)
            let withdrawn = try await settled(chat, ask, in: "p-reset", "— cancelled")
            #expect(withdrawn.text.hasPrefix("🔐 Permission (#\(number)): "), "\(withdrawn.text)")
            #expect(try await chat.finalText(of: run, in: "p-reset").hasSuffix("stopped"))
            #expect(try await chat.command("/acp allow \(number)", in: "p-reset")
                == "ERROR: ACP_INVALID_ARGUMENT: no pending permission request \(number) here\nnext: see /acp help")

            // /acp close likewise.
            let spawned = try E2EChat.spawnedKey(try await chat.command("/acp spawn --bind here", in: "p-close"))
            let closeRun = try await chat.prompt("[permission] close me", in: "p-close")
            let (closeAsk, _) = try await permissionPrompt(chat, run: closeRun, in: "p-close")
            #expect(try await chat.command("/acp close", in: "p-close") == "OK: closed \(spawned)")
            #expect(try await chat.waitForRun(closeRun, state: "cancelled").errorCode == nil)
            _ = try await settled(chat, closeAsk, in: "p-close", "— cancelled")
            #expect(try await chat.metric("acpd_permission_requests_total", ["outcome": "cancelled"]) == 2)
        }
    }

    @Test func aRequestPendingWhenAcpdIsKilledIsAbandonedAfterTheRestart() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try E2EChat.writeConfig(in: directory, port: port, token: "perm-restart")
            let first = try await DaemonProcess(directory: directory, port: port, token: "perm-restart")
            let run = try await E2EChat(daemon: first).prompt("[permission] survive", in: "room1")
            let (ask, number) = try await permissionPrompt(E2EChat(daemon: first), run: run, in: "room1")
            _ = try await first.stop(signal: SIGKILL)

            let second = try await DaemonProcess(directory: directory, port: port, token: "perm-restart")
            let chat = E2EChat(daemon: second)
            let failed = try await chat.run(run)
            #expect(failed.state == "failed", "\(failed)")
            // The conversation is told the turn failed, and the prompt it was shown before the kill
            // (the same message: the log is durable) is withdrawn, not left inviting an answer.
            let told = try await chat.waitForMessage(in: "room1", "the restart notice of \(run)") {
                $0.runId == run && $0.kind == "reply" && $0.final
            }
            #expect(told.text == "ERROR: ACP_TURN_FAILED: acpd restarted")
            _ = try await settled(chat, ask, in: "room1", "— cancelled")
            let prompts = try await chat.messages(in: "room1").filter { $0.runId == run && $0.kind == "permission" }
            #expect(prompts.count == 1, "the prompt is not repeated: \(prompts)")
            #expect(try await chat.command("/acp allow \(number)", in: "room1")
                == "ERROR: ACP_INVALID_ARGUMENT: no pending permission request \(number) here\nnext: see /acp help")
            #expect(try await chat.command("/acp status", in: "room1").contains("permission ") == false)
            let next = try await chat.prompt("[permission] again", in: "room1")
            let (_, again) = try await permissionPrompt(chat, run: next, in: "room1")
            #expect(again != number)
            #expect(try await chat.command("/acp allow \(again)", in: "room1").hasPrefix("OK: allowed \(again): "))
            #expect(try await chat.finalText(of: next, in: "room1").contains("permission: selected allow-once"))
            #expect(try await second.stop(signal: SIGTERM) == 0, "log:\n\(second.log)")
        }
    }

    /// `acp.permissions.mode` and what it answers to the demo agent's `execute` request (its
    /// options are named "Allow once", "Always allow", "Reject"); nil: the conversation is asked.
    @Test(arguments: [("approve-all", "Allow once", "allow-once"), ("deny-all", "Reject", "reject-once"),
                      ("approve-reads", nil, nil)] as [(String, String?, String?)])
    func permissionModesAnswerWithoutAsking(mode: String, optionName: String?, optionId: String?) async throws {
        try await withE2EDaemon(acpLines: ["permissions: { mode: \(mode) }"]) { chat, _ in
            let run = try await chat.prompt("[permission] auto", in: "room1")
            let (ask, number) = try await permissionPrompt(chat, run: run, in: "room1")
            guard let optionName, let optionId else {
                // approve-reads: an `execute` tool is not a read, so the conversation is asked.
                #expect(try await chat.command("/acp status", in: "room1").contains("permission \(number) pending: "))
                #expect(try await chat.command("/acp reject \(number)", in: "room1") == "OK: rejected \(number): Reject")
                #expect(try await chat.finalText(of: run, in: "room1").contains("permission: selected reject-once"))
                return
            }
            let answered = try await settled(chat, ask, in: "room1", "— answered automatically: \(optionName)")
            #expect(answered.text.hasPrefix("🔐 Permission (#\(number)): "), "\(answered.text)")
            #expect(try await chat.finalText(of: run, in: "room1").contains("permission: selected \(optionId)"))
            #expect(try await chat.metric("acpd_permission_requests_total", ["outcome": "auto"]) == 1)
        }
    }

    @Test func anUnansweredRequestTimesOutAsARejection() async throws {
        try await withE2EDaemon(acpLines: ["permissions: { timeoutSeconds: 1 }"]) { chat, _ in
            let run = try await chat.prompt("[permission] wait for me", in: "room1")
            // The prompt may already be settled when first read on a loaded machine (1 s timeout).
            let (ask, number) = try await permissionPrompt(chat, run: run, in: "room1")
            // The demo agent's reject option is named "Reject" (docs/demo-agent.md).
            // The user is told (the prompt is edited), the agent is told a rejection, the turn goes on.
            let timedOut = try await settled(chat, ask, in: "room1", "— timed out, sent: Reject", timeout: 15)
            #expect(timedOut.text.hasPrefix("🔐 Permission (#\(number)): "), "\(timedOut.text)")
            #expect(try await chat.finalText(of: run, in: "room1").contains("permission: selected reject-once"))
            #expect(try await chat.run(run).state == "completed")
            #expect(try await chat.command("/acp allow \(number)", in: "room1")
                == "ERROR: ACP_INVALID_ARGUMENT: no pending permission request \(number) here\nnext: see /acp help")
            #expect(try await chat.metric("acpd_permission_requests_total", ["outcome": "timed_out"]) == 1)
        }
    }
}
