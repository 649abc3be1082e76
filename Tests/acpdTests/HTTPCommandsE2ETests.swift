import Foundation
import Testing
import TestSupport

/// The session commands of CONTRACT.md §4 end to end (spawn, bind, unbind, sessions, status,
/// help, close, `/new`, `/reset`; run control is in `HTTPRunControlE2ETests`): a real `acpd run`,
/// the demo agent and a real store, driven through the http channel (`POST /v1/messages`),
/// checked by their exact replies and by what the API then shows (sessions, bindings, runs,
/// delivered messages, metrics).
struct HTTPCommandsE2ETests {
    private static let notBound = "ERROR: ACP_NOT_BOUND: this conversation is not bound to a session\n"
        + "next: bind this conversation with /acp spawn --bind here or /acp bind <session>"

    @Test func spawnBindUnbindSessionsStatusAndAPersistentBindingSurvivesARestart() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            let token = "e2e-\(UUID().uuidString.prefix(8))"
            try E2EChat.writeConfig(in: directory, port: port, token: token)
            let first = try await DaemonProcess(directory: directory, port: port, token: token)
            let chat = E2EChat(daemon: first)

            // spawn --bind here --label --cwd: the session, its runtime binding, the exact reply.
            let spawned = try await chat.command("/acp spawn demo --bind here --label work --cwd sub", in: "c-spawn")
            let key = try E2EChat.spawnedKey(spawned)
            #expect(key.hasPrefix("agent:demo:acp:"))
            let session = try await chat.session(key)
            #expect(session.cwd.hasSuffix("/workspace/sub"))
            #expect(spawned == "OK: spawned \(key) (agent demo, cwd \(session.cwd)); bound here")
            #expect(session.label == "work")
            #expect(session.agent == "demo" && session.mode == "persistent" && session.backend == "stdio")
            #expect(session.state == "idle")
            #expect(session.bindings == ["runtime:http:default:c-spawn"])
            let spawnBinding = try #require(try await chat.bindings().first { $0.conversation == "http:default:c-spawn" })
            #expect(spawnBinding.source == "runtime" && spawnBinding.sessionKey == key && !spawnBinding.persist)

            // A prompt in the bound conversation is a run of the new session, in its cwd.
            let cwdRun = try await chat.prompt("[cwd]", in: "c-spawn")
            #expect(try await chat.finalText(of: cwdRun, in: "c-spawn").contains("session: \(session.cwd)"))
            let cwdRecord = try await chat.waitForRun(cwdRun, state: "completed")
            #expect(cwdRecord.sessionKey == key)
            #expect(cwdRecord.conversation == "http:default:c-spawn")

            // status: every field of §4 that applies to an idle session with a live runtime.
            let status = try await chat.command("/acp status", in: "c-spawn").components(separatedBy: "\n")
            #expect(status.first == "OK: \(key) is idle", "\(status)")
            #expect(status.contains("agent: demo, cwd: \(session.cwd), mode: persistent, backend: stdio"), "\(status)")
            // A runtime binding without --persist expires after acp.runtimeBindings.idleHours (24) without use.
            let expiry = try #require(status.first { $0.hasPrefix("binding: runtime http:default:c-spawn (expires ") }, "\(status)")
            #expect(expiry.hasSuffix(" unless used before)"), "\(expiry)")
            let stamp = String(expiry.dropFirst("binding: runtime http:default:c-spawn (expires ".count).prefix { $0 != " " })
            let deadline = try #require(try? Date(stamp, strategy: .iso8601), "\(expiry)")
            #expect(abs(deadline.timeIntervalSinceNow - 24 * 3600) < 120, "\(expiry)")
            #expect(status.contains("queue: 0"), "\(status)")
            #expect(status.contains("runtime: live"), "\(status)")
            #expect(status.contains { $0.hasPrefix("agent session: demo-") }, "\(status)")
            #expect(status.contains { $0.hasPrefix("last event: ") && $0.hasSuffix(" ago") }, "\(status)")
            #expect(!status.contains { $0.hasPrefix("active run: ") }, "\(status)")

            // sessions, asked from a conversation that is bound nowhere.
            let list = try await chat.command("/acp sessions", in: "c-lobby").components(separatedBy: "\n")
            #expect(list.first == "OK: 2 open session(s):", "\(list)")
            #expect(list.contains { $0.hasPrefix("- \(key) [work] agent demo, idle, bound runtime http:default:c-spawn, last activity ") },
                    "\(list)")
            #expect(list.contains { $0.hasPrefix("- agent:demo:acp:binding:http:default:") && $0.contains(" bound config http:default:room1, ") },
                    "\(list)")

            // bind by label from another conversation, persistent; its prompts reach the same session.
            #expect(try await chat.command("/acp bind work --persist", in: "c-other") == "OK: bound this conversation to \(key) (persistent)")
            let otherBinding = try #require(try await chat.bindings().first { $0.conversation == "http:default:c-other" })
            #expect(otherBinding.sessionKey == key && otherBinding.persist && otherBinding.source == "runtime")
            let otherRun = try await chat.prompt("from other", in: "c-other")
            #expect(try await chat.finalText(of: otherRun, in: "c-other").contains("echo: from other"))
            #expect(try await chat.run(otherRun).sessionKey == key)
            #expect(try await chat.command("/acp status work", in: "c-lobby").contains("binding: runtime http:default:c-other (never expires)"))

            // unbind: the binding ends, the conversation is unbound, and a second unbind says so.
            #expect(try await chat.command("/acp unbind", in: "c-spawn") == "OK: unbound this conversation from \(key)")
            #expect(try await chat.bindings().contains { $0.conversation == "http:default:c-spawn" } == false)
            let unboundPrompt = try await chat.say("anyone?", in: "c-spawn")
            #expect(unboundPrompt.reply == Self.notBound)
            #expect(unboundPrompt.runId == nil)
            #expect(try await chat.command("/acp unbind", in: "c-spawn") == Self.notBound)
            #expect(try await chat.session(key).bindings == ["runtime:http:default:c-other"])

            // A config binding cannot be unbound from chat.
            #expect(try await chat.command("/acp unbind", in: "room1")
                == "ERROR: ACP_INVALID_ARGUMENT: this conversation's binding is declared in config (config)\n"
                + "next: remove it from bindings[] in the config file and reload")

            // Restart on the same store: the bindings are still there (a temporary one too: it only
            // expires after acp.runtimeBindings.idleHours) and still route.
            #expect(try await chat.command("/acp bind \(key)", in: "c-temp") == "OK: bound this conversation to \(key)")
            #expect(try await first.stop(signal: SIGTERM) == 0, "log:\n\(first.log)")
            let second = try await DaemonProcess(directory: directory, port: port, token: token)
            let again = E2EChat(daemon: second)
            let kept = try #require(try await again.bindings().first { $0.conversation == "http:default:c-other" }, "\(second.log)")
            #expect(kept.sessionKey == key && kept.persist)
            #expect(try await again.bindings().contains { $0.conversation == "http:default:c-spawn" } == false)
            let temporary = try #require(try await again.bindings().first { $0.conversation == "http:default:c-temp" })
            #expect(temporary.sessionKey == key && !temporary.persist)
            let afterRestart = try await again.prompt("after restart", in: "c-other")
            #expect(try await again.finalText(of: afterRestart, in: "c-other").contains("echo: after restart"))
            #expect(try await again.run(afterRestart).sessionKey == key)
            #expect(try await second.stop(signal: SIGTERM) == 0, "log:\n\(second.log)")
        }
    }

    @Test func conflictsTargetsAndARuntimeBindingOverAConfigBinding() async throws {
        try await withE2EDaemon { chat, _ in
            let configKey = try await chat.sessions().first?.key ?? ""
            // Without --bind the session is made (runtime started eagerly) but nothing is bound.
            let loose = try await chat.command("/acp spawn --label loose", in: "c-a")
            let looseKey = try E2EChat.spawnedKey(loose)
            #expect(loose.hasPrefix("OK: spawned \(looseKey) (agent demo, cwd ") && !loose.contains("bound"), "\(loose)")
            #expect(try await chat.session(looseKey).bindings.isEmpty)
            #expect(try await chat.say("hello", in: "c-a").reply == Self.notBound)
            // --thread auto where the conversation cannot have threads is an error that leaves nothing behind.
            #expect(try await chat.command("/acp spawn --thread auto --label threaded", in: "c-b")
                == "ERROR: ACP_INVALID_ARGUMENT: this conversation cannot have threads or topics\nnext: use --bind here to bind this conversation itself")
            #expect(try await chat.sessions().count == 2)
            let threaded = try E2EChat.spawnedKey(try await chat.command("/acp spawn --bind here --label threaded", in: "c-b"))
            #expect(try await chat.session(threaded).bindings == ["runtime:http:default:c-b"])
            #expect(try await chat.metric("acpd_runtimes_live") == 2)

            // A conversation bound at runtime cannot be bound or spawned into again; nothing is left behind.
            #expect(try await chat.command("/acp bind loose", in: "c-b")
                == "ERROR: ACP_BINDING_CONFLICT: this conversation is already bound to \(threaded)\nnext: unbind first with /acp unbind")
            #expect(try await chat.command("/acp spawn --bind here", in: "c-b")
                == "ERROR: ACP_BINDING_CONFLICT: this conversation is already bound to \(threaded)\nnext: unbind first with /acp unbind")
            #expect(try await chat.sessions().count == 3)
            #expect(try await chat.metric("acpd_runtimes_live") == 2)
            // Binding again to the same session with --persist makes the binding persistent.
            #expect(try await chat.command("/acp bind threaded --persist", in: "c-b") == "OK: bound this conversation to \(threaded) (persistent)")
            #expect(try await chat.bindings().filter { $0.conversation == "http:default:c-b" }.map(\.persist) == [true])

            // Targets by label from another conversation: status, steer is not targeted, cancel and close are.
            let slow = try await chat.prompt("[delay=150][chunks=40] slow", in: "c-b")
            try await chat.waitForRun(slow, state: "running")
            let status = try await chat.command("/acp status threaded", in: "c-lobby")
            #expect(status.hasPrefix("OK: \(threaded) is running\n") && status.contains("active run: \(slow), running for "), "\(status)")
            #expect(try await chat.command("/acp cancel threaded", in: "c-lobby") == "OK: cancelled the active run \(slow)")
            try await chat.waitForRun(slow, state: "cancelled")
            #expect(try await chat.command("/acp close loose", in: "c-lobby") == "OK: closed \(looseKey)")
            #expect(try await chat.command("/acp status loose", in: "c-lobby")
                == "ERROR: ACP_SESSION_NOT_FOUND: no session with key or label loose\nnext: list sessions with /acp sessions")
            #expect(try await chat.command("/acp status \(looseKey)", in: "c-lobby").hasPrefix("OK: \(looseKey) is closed\n"))
            // A label names one open session: a second spawn with it is refused and starts nothing.
            let sessionsBefore = try await chat.sessions().count
            #expect(try await chat.command("/acp spawn --label threaded", in: "c-lobby")
                == "ERROR: ACP_INVALID_ARGUMENT: the label threaded is taken by open session \(threaded)\nnext: choose another --label, or /acp close threaded first")
            #expect(try await chat.sessions().count == sessionsBefore)
            #expect(try await chat.command("/acp status threaded", in: "c-lobby").hasPrefix("OK: \(threaded) is "))

            // A runtime binding wins over the config binding of the same conversation; unbind restores it.
            let over = try E2EChat.spawnedKey(try await chat.command("/acp spawn --bind here", in: "room1"))
            let overRun = try await chat.prompt("to the spawned one", in: "room1")
            _ = try await chat.finalText(of: overRun, in: "room1")
            #expect(try await chat.run(overRun).sessionKey == over)
            #expect(try await chat.command("/acp unbind", in: "room1") == "OK: unbound this conversation from \(over)")
            let backRun = try await chat.prompt("to the config one", in: "room1")
            _ = try await chat.finalText(of: backRun, in: "room1")
            #expect(try await chat.run(backRun).sessionKey == configKey)
            #expect(try await chat.bindings().filter { $0.conversation == "http:default:room1" }.map(\.source) == ["config"])
        }
    }

    @Test func oneshotSessionsAndWorkspaceRoots() async throws {
        try await withE2EDaemon(acpLines: ["workspaceRoots: [./workspace]"]) { chat, _ in
            // --cwd must lie under acp.workspaceRoots; nothing is created otherwise.
            for outside in ["/etc", "sub/../../state", "../workspace-other"] {
                #expect(try await chat.command("/acp spawn --bind here --cwd \(outside)", in: "c-a")
                    == "ERROR: ACP_INVALID_ARGUMENT: --cwd must lie under acp.workspaceRoots\nnext: see /acp help", "\(outside)")
            }
            #expect(try await chat.sessions().count == 1)

            // A oneshot session stops its runtime after each turn and resumes for the next one.
            let key = try E2EChat.spawnedKey(try await chat.command("/acp spawn --mode oneshot --bind here --cwd sub", in: "c-a"))
            #expect(try await chat.session(key).mode == "oneshot")
            for text in ["first", "second"] {
                let run = try await chat.prompt(text, in: "c-a")
                #expect(try await chat.finalText(of: run, in: "c-a").contains("echo: \(text)"))
                try await withDeadline(10, "the oneshot runtime stops") {
                    while try await !chat.command("/acp status", in: "c-a").contains("runtime: not running") {
                        try await Task.sleep(for: .milliseconds(25))
                    }
                }
            }
            #expect(try await chat.metric("acpd_runtimes_live") ?? 0 == 0)
        }
    }

    @Test func helpAndTheRepliesOfAnUnboundConversation() async throws {
        try await withE2EDaemon { chat, _ in
            let help = try await chat.command("/acp help", in: "c-lobby")
            #expect(help.hasPrefix("OK: acpd commands\n"), "\(help)")
            for usage in ["/acp spawn [agent]", "/acp bind <session-key|label> [--persist]", "/acp unbind", "/acp cancel",
                          "/acp steer <text>", "/acp close", "/acp sessions", "/acp status", "/acp allow <n>", "/acp reject <n>",
                          "/new [text]", "/reset [text]"] {
                #expect(help.contains(usage), "missing \(usage) in \(help)")
            }
            #expect(try await chat.command("/acp", in: "c-lobby") == help)

            for command in ["/acp status", "/acp steer go on", "/new", "/reset first prompt", "/acp allow 1"] {
                #expect(try await chat.command(command, in: "c-lobby") == Self.notBound, "\(command)")
            }
            #expect(try await chat.command("/acp cancel", in: "c-lobby") == Self.notBound)
            #expect(try await chat.command("/acp bind nothing-here", in: "c-lobby")
                == "ERROR: ACP_SESSION_NOT_FOUND: no session with key or label nothing-here\nnext: list sessions with /acp sessions")
            #expect(try await chat.command("/acp spawn ghost", in: "c-lobby")
                == "ERROR: ACP_AGENT_NOT_ALLOWED: no agent ghost is declared\nnext: use an agent listed in acp.allowedAgents")
            #expect(try await chat.sessions().map(\.bindings) == [["config:http:default:room1"]],
                    "no command above may create a session")
        }
    }

    @Test func closeEndsTheSessionAndItsBindings() async throws {
        try await withE2EDaemon { chat, _ in
            let key = try E2EChat.spawnedKey(try await chat.command("/acp spawn --bind here", in: "c-close"))
            #expect(try await chat.command("/acp bind \(key)", in: "c-second").hasPrefix("OK: bound this conversation to \(key)"))
            let run = try await chat.prompt("before close", in: "c-close")
            #expect(try await chat.finalText(of: run, in: "c-close").contains("echo: before close"))
            #expect(try await chat.metric("acpd_runtimes_live") == 1)

            #expect(try await chat.command("/acp close", in: "c-close") == "OK: closed \(key)")
            let closed = try await chat.session(key)
            #expect(closed.state == "closed")
            #expect(closed.bindings.isEmpty)
            #expect(try await chat.bindings().contains { $0.sessionKey == key } == false)
            #expect(try await chat.metric("acpd_runtimes_live") == 0)
            #expect(try await chat.metric("acpd_sessions", ["state": "closed"]) == 1)

            // Both conversations are unbound now; the closed session cannot be bound or closed twice.
            for conversation in ["c-close", "c-second"] {
                let outcome = try await chat.say("after close", in: conversation)
                #expect(outcome.reply == Self.notBound && outcome.runId == nil, "\(conversation): \(outcome)")
            }
            #expect(try await chat.command("/acp close \(key)", in: "c-lobby") == "OK: \(key) was already closed")
            #expect(try await chat.command("/acp bind \(key)", in: "c-lobby")
                == "ERROR: ACP_SESSION_CLOSED: the session is closed\nnext: start a new one with /acp spawn")
            let list = try await chat.command("/acp sessions", in: "c-lobby")
            #expect(list.hasPrefix("OK: 1 open session(s):\n") && !list.contains(key), "\(list)")
        }
    }

    @Test func aClosedConfigBoundSessionIsReportedAndNewStartsItAgain() async throws {
        try await withE2EDaemon { chat, _ in
            let first = try await chat.prompt("one", in: "room1")
            _ = try await chat.finalText(of: first, in: "room1")
            let key = try await chat.run(first).sessionKey
            #expect(try await chat.command("/acp close", in: "room1") == "OK: closed \(key)")
            #expect(try await chat.session(key).state == "closed")
            // The config binding stays: the conversation is told its session is closed, and how to go on.
            let refused = try await chat.say("two", in: "room1")
            #expect(refused.reply == "ERROR: ACP_SESSION_CLOSED: the session bound here is closed\nnext: send /new to start a fresh session here")
            #expect(refused.runId == nil)
            let new = try await chat.say("/new three", in: "room1")
            let run = try #require(new.runId, "\(new)")
            #expect(new.reply == "OK: fresh session in \(key); run \(run) queued")
            #expect(try await chat.finalText(of: run, in: "room1").contains("echo: three"))
            #expect(try await chat.session(key).state == "idle")
            #expect(try await chat.session(key).bindings == ["config:http:default:room1"])
        }
    }

    @Test func resetAndNewStartAFreshAgentSessionInPlace() async throws {
        try await withE2EDaemon { chat, _ in
            let first = try await chat.prompt("one", in: "room1")
            _ = try await chat.finalText(of: first, in: "room1")
            let key = try await chat.run(first).sessionKey
            let agentSession = { (status: String) in
                status.components(separatedBy: "\n").first { $0.hasPrefix("agent session: ") }
            }
            let before = try #require(agentSession(try await chat.command("/acp status", in: "room1")))

            // /reset during a turn: the turn ends cancelled, the key and binding stay, no agent session yet.
            let slow = try await chat.prompt("[delay=150][chunks=40] slow", in: "room1")
            try await chat.waitForRun(slow, state: "running")
            #expect(try await chat.command("/reset", in: "room1") == "OK: fresh session in \(key)")
            #expect(try await chat.run(slow).state == "cancelled")
            let reset = try await chat.command("/acp status", in: "room1")
            #expect(reset.hasPrefix("OK: \(key) is idle\n"), "\(reset)")
            #expect(reset.contains("binding: config http:default:room1 (never expires)"), "\(reset)")
            #expect(reset.contains("runtime: not running"), "\(reset)")
            #expect(agentSession(reset) == nil, "\(reset)")

            // /new with text: the text is the first prompt of the fresh agent session.
            let new = try await chat.say("/new hello again", in: "room1")
            let newRun = try #require(new.runId, "\(new)")
            #expect(new.reply == "OK: fresh session in \(key); run \(newRun) queued")
            #expect(try await chat.finalText(of: newRun, in: "room1").contains("echo: hello again"))
            #expect(try await chat.run(newRun).sessionKey == key)
            let after = try #require(agentSession(try await chat.command("/acp status", in: "room1")))
            #expect(after != before, "a fresh agent session: \(before) → \(after)")
            let sessions = try await chat.sessions()
            #expect(sessions.map(\.key) == [key])
            #expect(sessions.first?.bindings == ["config:http:default:room1"])
        }
    }
}
