import Foundation
import Testing
import TestSupport

/// Access control through the http channel of a real `acpd run` (demo agent, real store):
/// command policies (owner / allowlist / bound), `unknownSenders: strict` and `request_approval`,
/// and idempotent posts (CONTRACT.md §4, §7; docs/commands.md "Access").
struct HTTPAccessE2ETests {
    private static let token = "e2e-access-\(UUID().uuidString.prefix(8))"

    /// owners alice, allowFrom carol, strict; room1 is a config binding (allowlist), members-room a
    /// config binding with `access: members`, route-room a route binding.
    private static var strictConfig: String {
        """
        acp:
          defaultAgent: demo
        \(E2EConfig.demoAgent)
        bindings:
        \(E2EConfig.acpBinding("room1"))
        \(E2EConfig.acpBinding("members-room", access: "members"))
          - type: route
            agentId: demo
            match: { channel: http, peer: { kind: direct, id: "route-room" } }
        channels:
          http: { enabled: true }
        access:
          owners: ["http:alice"]
          allowFrom: ["http:carol"]
          unknownSenders: strict
          rateLimit: { perMinute: 600, burst: 200 }
        """
    }

    @Test func policiesAndStrictUnknownSenders() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.strictConfig)

            // Owner-only commands: refused for an allowlisted non-owner, with exactly `ERROR: unauthorized`,
            // which is also delivered to the conversation.
            for text in ["/acp doctor", "/acp approve 1", "/acp deny 1"] {
                let answer = try await daemon.post("room1", from: "carol", text)
                #expect(answer.status == 202)
                #expect(answer.reply == "ERROR: unauthorized", "\(text): \(answer)")
            }
            #expect(try await daemon.messages("room1").filter { $0.text == "ERROR: unauthorized" }.count == 3)
            let ownerDoctor = try await daemon.post("room1", from: "alice", "/acp doctor")
            #expect(ownerDoctor.reply?.hasPrefix("OK: ") == true, "\(ownerDoctor)")

            // Allowlist commands work for allowFrom: sessions, help, spawn + a prompt in the spawned binding.
            let sessions = try await daemon.post("lobby", from: "carol", "/acp sessions")
            #expect(sessions.reply?.hasPrefix("OK: ") == true, "\(sessions)")
            let help = try await daemon.post("lobby", from: "carol", "/acp help")
            #expect(help.reply?.hasPrefix("OK: acpd commands\n") == true, "\(help)")
            let spawn = try await daemon.post("carol-room", from: "carol", "/acp spawn --bind here")
            #expect(spawn.reply?.hasPrefix("OK: spawned agent:demo:acp:") == true, "\(spawn)\n\(daemon.log)")
            #expect(spawn.reply?.hasSuffix("; bound here") == true, "\(spawn)")
            let carolPrompt = try await daemon.post("carol-room", from: "carol", "hello from carol")
            let carolRun = try #require(carolPrompt.runId, "\(carolPrompt)")
            #expect(try await daemon.finalText("carol-room", run: carolRun).contains("echo: hello from carol"))
            // An allowlisted sender's prompt where nothing is bound: the ACP_NOT_BOUND hint.
            let unbound = try await daemon.post("lobby", from: "carol", "anyone there?")
            #expect(unbound.reply?.hasPrefix("ERROR: ACP_NOT_BOUND: ") == true, "\(unbound)")
            #expect(unbound.runId == nil)

            // `bound` policy under `access: allowlist` (issue 11, CONTRACT.md §4 amended): a stranger
            // may do nothing at all in a config `acp` binding's conversation: no bound commands, no
            // prompts, no allowlist commands, and nothing is delivered.
            let room1Before = try await daemon.messages("room1").count
            let runsBefore = try daemon.runCount()
            for text in ["/acp status", "/acp cancel", "/new", "/acp allow 1",
                         "please run this", "/acp sessions", "/acp spawn --bind here", "/acp frobnicate", "/acp doctor"] {
                let answer = try await daemon.post("room1", from: "mallory", text)
                #expect(answer.status == 202)
                #expect(answer.accepted == false && answer.keys == ["accepted"], "\(text): \(answer)")
            }
            // ... nor prompts disguised as bound commands (steer, /new or /reset with a first prompt).
            let runsBeforeSteer = try daemon.runCount()
            for text in ["/acp steer run this anyway", "/new run this anyway", "/reset run this anyway"] {
                let answer = try await daemon.post("room1", from: "mallory", text)
                #expect(answer.accepted == false && answer.keys == ["accepted"], "\(text): \(answer)")
            }
            #expect(try daemon.runCount() == runsBeforeSteer)
            // ... nor bound commands aimed at another session than the one bound here.
            let carolKey = try #require(spawn.reply?.components(separatedBy: " ").dropFirst(2).first, "\(spawn)")
            for text in ["/acp status \(carolKey)", "/acp cancel \(carolKey)", "/acp status no-such-label"] {
                let answer = try await daemon.post("room1", from: "mallory", text)
                #expect(answer.accepted == false && answer.keys == ["accepted"], "\(text): \(answer)")
            }
            // ... nor bound commands in a runtime binding (carol-room) or a route binding.
            for conversation in ["carol-room", "route-room"] {
                let answer = try await daemon.post(conversation, from: "mallory", "/acp status")
                #expect(answer.accepted == false && answer.keys == ["accepted"], "\(conversation): \(answer)")
            }
            #expect(try await daemon.messages("room1").count == room1Before)
            #expect(try await daemon.messages("route-room").isEmpty)

            // strict: a stranger in an unbound conversation is ignored entirely; nothing is started.
            let sessionsBefore = try daemon.sessionCount()
            for text in ["hello", "/acp spawn --bind here", "/acp doctor", "/acp help", "/new", "/auth x"] {
                let answer = try await daemon.post("stranger-room", from: "mallory", text)
                #expect(answer.accepted == false && answer.keys == ["accepted"], "\(text): \(answer)")
            }
            #expect(try await daemon.messages("stranger-room").isEmpty)
            #expect(try daemon.sessionCount() == sessionsBefore)
            #expect(try daemon.runCount() == runsBefore)

            // `access: members`: anyone who can post there may prompt.
            let member = try await daemon.post("members-room", from: "mallory", "hello members")
            let memberRun = try #require(member.runId, "\(member)")
            #expect(try await daemon.finalText("members-room", run: memberRun).contains("echo: hello members"))
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test func samePostTwiceIsOneRunAndOneReply() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.strictConfig)

            // The same Idempotency-Key (even with another messageId): one run, the same answer body.
            let first = try await daemon.post("room1", from: "alice", "[chunks=1] once please", messageId: "a-1", key: "idem-1")
            let runId = try #require(first.runId, "\(first)\n\(daemon.log)")
            let replay = try await daemon.post("room1", from: "alice", "[chunks=1] once please", messageId: "a-2", key: "idem-1")
            #expect(replay.status == 202)
            #expect(replay.text == first.text, "answers are JSON with sorted keys: \(first) vs \(replay)")
            let messages = try await daemon.finalMessages("room1", run: runId)
            #expect(messages.map(\.text).joined().contains("echo: [chunks=1] once please"))
            #expect(try daemon.runCount() == 1)

            // No header: the messageId is the key.
            let byId = try await daemon.post("room1", from: "alice", "by message id", messageId: "mid-7")
            let byIdRun = try #require(byId.runId, "\(byId)")
            let byIdAgain = try await daemon.post("room1", from: "alice", "by message id", messageId: "mid-7")
            #expect(byIdAgain.text == byId.text)
            _ = try await daemon.finalMessages("room1", run: byIdRun)
            #expect(try daemon.runCount() == 2)

            // Different keys, same text: two runs.
            let one = try await daemon.post("room1", from: "alice", "twice on purpose", key: "k-a")
            let two = try await daemon.post("room1", from: "alice", "twice on purpose", key: "k-b")
            let oneRun = try #require(one.runId)
            let twoRun = try #require(two.runId)
            #expect(oneRun != twoRun)
            _ = try await daemon.finalMessages("room1", run: oneRun)
            _ = try await daemon.finalMessages("room1", run: twoRun)
            #expect(try daemon.runCount() == 4)

            // The same POST eight times at once: one run; every answer that names a run names that one
            // (a key still in progress answers `{"accepted": true}` without a run).
            let concurrent = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await daemon.post("room1", from: "alice", "all at once", messageId: "burst-1").text }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            let concurrentRuns = Set(concurrent.compactMap { PostAnswer(status: 202, body: Data($0.utf8)).runId })
            #expect(concurrentRuns.count == 1, "\(concurrent)")
            #expect(concurrent.allSatisfy { $0.contains("\"accepted\":true") }, "\(concurrent)")
            _ = try await daemon.finalMessages("room1", run: try #require(concurrentRuns.first))
            #expect(try daemon.runCount() == 5)

            // A replayed command answers the stored reply and is not delivered again.
            let status = try await daemon.post("room1", from: "alice", "/acp status", key: "cmd-1")
            let reply = try #require(status.reply, "\(status)")
            let statusAgain = try await daemon.post("room1", from: "alice", "/acp status", key: "cmd-1")
            #expect(statusAgain.reply == reply)
            #expect(try await daemon.messages("room1").filter { $0.kind == "command" && $0.text == reply }.count == 1)

            // Nothing of the replays reached the conversation: each run's messages stay as they were.
            let after = try await daemon.messages("room1")
            #expect(after.filter { $0.runId == runId }.count == messages.count, "\(after)")
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test func requestApprovalPairsOncePerSenderAndOwnersDecide() async throws {
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
              unknownSenders: request_approval
              rateLimit: { perMinute: 600, burst: 200 }
            """
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: config)

            // However many messages: one pairing request per sender, nothing delivered, nothing started.
            for text in ["hi, I am bob", "hello?", "/acp sessions", "/acp spawn --bind here"] {
                let answer = try await daemon.post("room1", from: "bob", text)
                #expect(answer.accepted == false && answer.keys == ["accepted"], "\(text): \(answer)")
            }
            // ... in any conversation.
            #expect(try await daemon.post("elsewhere", from: "bob", "me again").keys == ["accepted"])
            // ... also when they arrive at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<6 { group.addTask { _ = try await daemon.post("room\(index % 2 + 1)", from: "bob", "all at once \(index)") } }
                try await group.waitForAll()
            }
            let bobRequests = try daemon.pairingRequests().filter { $0.senderId == "bob" }
            #expect(bobRequests.count == 1, "\(bobRequests)")
            let bobRequest = try #require(bobRequests.first)
            #expect(bobRequest.state == .pending)
            #expect(bobRequest.conversationId == "room1")
            #expect(try await daemon.messages("room1").isEmpty)
            #expect(try daemon.runCount() == 0)
            // The owners are notified once per new request (the daemon has no owner conversation: its log).
            let notice = "pairing request \(bobRequest.id) from http:bob in http:default:room1: answer /acp approve \(bobRequest.id)"
            try await withDeadline(10, "owner notice in the log") {
                while !daemon.log.contains(notice) { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(daemon.log.components(separatedBy: "pairing request \(bobRequest.id) from").count == 2, "\(daemon.log)")

            // A pending sender cannot answer its own request; an unknown id is an argument error.
            let selfApprove = try await daemon.post("room1", from: "bob", "/acp approve \(bobRequest.id)")
            #expect(selfApprove.accepted == false && selfApprove.keys == ["accepted"])
            let unknownId = try await daemon.post("owners", from: "alice", "/acp approve 9999")
            #expect(unknownId.reply?.hasPrefix("ERROR: ACP_INVALID_ARGUMENT: no pending pairing request 9999") == true, "\(unknownId)")

            // The owner approves: bob counts as allowlisted from now on, not as an owner.
            let approve = try await daemon.post("owners", from: "alice", "/acp approve \(bobRequest.id)")
            #expect(approve.reply == "OK: approved http:bob as operator", "\(approve)")
            #expect(try daemon.pairingRequests().first { $0.id == bobRequest.id }?.state == .approved)
            let prompt = try await daemon.post("room1", from: "bob", "hello again")
            let runId = try #require(prompt.runId, "\(prompt)\n\(daemon.log)")
            #expect(try await daemon.finalText("room1", run: runId).contains("echo: hello again"))
            let bobSessions = try await daemon.post("room1", from: "bob", "/acp sessions")
            #expect(bobSessions.reply?.hasPrefix("OK: ") == true, "\(bobSessions)")
            let bobDoctor = try await daemon.post("room1", from: "bob", "/acp doctor")
            #expect(bobDoctor.reply == "ERROR: unauthorized")

            // The owner denies erin: erin stays ignored, and no second request is recorded.
            let first = try await daemon.post("room1", from: "erin", "let me in")
            #expect(first.accepted == false)
            let erinRequest = try #require(try daemon.pairingRequests().first { $0.senderId == "erin" })
            let deny = try await daemon.post("owners", from: "alice", "/acp deny \(erinRequest.id)")
            #expect(deny.reply == "OK: denied http:erin", "\(deny)")
            let again = try await daemon.post("owners", from: "alice", "/acp deny \(erinRequest.id)")
            #expect(again.reply?.hasPrefix("ERROR: ACP_INVALID_ARGUMENT: ") == true, "decided already: \(again)")
            for text in ["please", "/acp sessions", "pretty please"] {
                let answer = try await daemon.post("room1", from: "erin", text)
                #expect(answer.accepted == false && answer.keys == ["accepted"], "\(text): \(answer)")
            }
            let erinRequests = try daemon.pairingRequests().filter { $0.senderId == "erin" }
            #expect(erinRequests.count == 1 && erinRequests.first?.state == .denied, "\(erinRequests)")
            #expect(try daemon.runCount() == 1)
            #expect(try await daemon.stop() == 0)
        }
    }
}
