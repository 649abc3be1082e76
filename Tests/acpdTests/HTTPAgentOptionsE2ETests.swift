import Foundation
import Testing
import TestSupport

/// Modes, config options, overrides, agent commands, usage, resume/load and close end to end:
/// `acpd run` on the http channel with the demo agent in `--modes` mode behind
/// `Tests/Peers/wire_tap.py`, which records every line between acpd and the agent; everything
/// acpd sent is validated against the ACP schema at the end of each test.
struct HTTPAgentOptionsE2ETests {
    /// A daemon directory whose demo agent runs with `flags` behind the wire tap.
    struct Setup {
        let directory: URL
        let port: Int
        let token: String
        var capture: URL { directory.appendingPathComponent("wire.ndjson") }

        /// `python`: Tests/Peers/python/peer_agent.py on the official Python SDK instead of the demo agent.
        init(directory: URL, flags: [String], python: Bool = false) throws {
            self.directory = directory
            port = try DaemonProcess.freePort()
            token = "opt-\(UUID().uuidString.prefix(8))"
            let agent = python ? [TestPaths.python, TestPaths.peer("python/peer_agent.py")] : [TestPaths.demoAgent]
            let command = [TestPaths.python, TestPaths.peer("wire_tap.py"), directory.appendingPathComponent("wire.ndjson").path, "--"]
                + agent + flags
            let yaml = """
            stateDir: ./state
            acp:
              defaultAgent: demo
            agents:
              demo:
                command: [\(command.map { "\"\($0)\"" }.joined(separator: ", "))]
                cwd: ./workspace
            bindings:
              - type: acp
                agentId: demo
                match:
                  channel: http
                  peer: { kind: direct, id: "room1" }
            channels:
              http: { enabled: true }
            access:
              owners: ["http:alice"]
              rateLimit: { perMinute: 6000, burst: 1000 }
            api:
              listen: "127.0.0.1:\(port)"
              token: "\(token)"
            """
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace"), withIntermediateDirectories: true)
            try yaml.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
        }

        func start() async throws -> DaemonProcess {
            try await DaemonProcess(directory: directory, port: port, token: token)
        }

        /// The captured messages acpd sent (`out`) or received (`in`), parsed.
        func wire(_ direction: String) throws -> [[String: Any]] {
            guard let text = try? String(contentsOf: capture, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { line in
                guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      entry["dir"] as? String == direction else { return nil }
                return entry["msg"] as? [String: Any]
            }
        }

        /// The methods acpd sent, in order.
        func sentMethods() throws -> [String] { try wire("out").compactMap { $0["method"] as? String } }

        /// Runs validate_acp.py on everything acpd sent.
        func expectValidWire(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let report = directory.appendingPathComponent("validate.out")
            FileManager.default.createFile(atPath: report.path, contents: nil)
            let output = try FileHandle(forWritingTo: report)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestPaths.python)
            process.arguments = [TestPaths.peer("validate_acp.py"), "--side", "client", capture.path]
            process.standardOutput = output
            process.standardError = output
            let status: Int32 = try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do { try process.run() } catch { continuation.resume(throwing: error) }
            }
            try output.close()
            let text = (try? String(contentsOf: report, encoding: .utf8)) ?? ""
            #expect(status == 0, "validate_acp.py: \(text)", sourceLocation: sourceLocation)
            #expect(try !sentMethods().isEmpty, "nothing captured", sourceLocation: sourceLocation)
        }
    }

    @Test func modesOptionsOverridesCommandsAndUsageFromChat() async throws {
        try await withTemporaryDirectory { directory in
            let setup = try Setup(directory: directory, flags: ["--modes"])
            let daemon = try await setup.start()
            let chat = E2EChat(daemon: daemon)

            // Listing starts the agent; only offered ids and values are taken.
            let modes = try await chat.command("/acp mode", in: "room1")
            #expect(modes == """
                OK: modes of the agent (→ current):
                - ask: Ask — Answer questions, change nothing
                → code: Code — Read and edit files
                - plan: Plan — Plan first, then ask before acting
                switch with /acp mode <id>
                """, "\(modes)")
            #expect(try await chat.command("/acp mode yolo", in: "room1")
                == "ERROR: ACP_INVALID_ARGUMENT: the agent offers no mode yolo\nnext: offered: ask, code, plan")
            #expect(try await chat.command("/acp mode plan", in: "room1") == "OK: mode plan (Plan)")
            #expect(try await chat.command("/acp set", in: "room1") == """
                OK: config options of the agent:
                - model (Model, model): fast; values: fast, smart
                set one with /acp set <option> <value>
                """)
            #expect(try await chat.command("/acp set effort high", in: "room1")
                == "ERROR: ACP_INVALID_ARGUMENT: the agent offers no option effort\nnext: offered: model")
            #expect(try await chat.command("/acp set model huge", in: "room1")
                == "ERROR: ACP_INVALID_ARGUMENT: option model offers no value huge\nnext: offered: fast, smart")
            #expect(try await chat.command("/acp model", in: "room1") == """
                OK: model (Model) values (→ current):
                → fast: Fast model
                - smart: Smart model
                pick one with /acp model <value>
                """)
            #expect(try await chat.command("/acp model smart", in: "room1") == "OK: model = smart (Smart model)")
            #expect(try await chat.command("/acp set model", in: "room1").contains("→ smart: Smart model"))

            // The agent honours them.
            let run = try await chat.prompt("[settings] hello", in: "room1")
            #expect(try await chat.finalText(of: run, in: "room1").contains("settings: mode plan, model smart"))

            // The agent switches mode itself (current_mode_update): status and options follow.
            let switched = try await chat.prompt("[mode=ask] look only", in: "room1")
            _ = try await chat.finalText(of: switched, in: "room1")
            let status = try await chat.command("/acp status", in: "room1")
            #expect(status.contains("\nagent mode: ask\n"), "\(status)")
            #expect(status.contains("\nagent options: model=smart"), "\(status)")
            // Two turns reported usage (100 tokens and 0.01 USD per turn, cumulative).
            #expect(status.contains("\nusage: 200/200000 tokens in context, cost 0.02 USD this agent session"), "\(status)")

            // The agent's commands, as reported after session/new.
            #expect(try await chat.command("/acp commands", in: "room1") == """
                OK: the agent's commands (send them as a message):
                /help — List the demo agent's keywords
                /echo <text to echo> — Echo the text back
                """)

            // acpd's own overrides win over config.
            #expect(try await chat.command("/acp permissions sometimes", in: "room1").hasPrefix("ERROR: ACP_INVALID_ARGUMENT: /acp permissions: "))
            #expect(try await chat.command("/acp timeout 0", in: "room1").hasPrefix("ERROR: ACP_INVALID_ARGUMENT: /acp timeout: "))
            #expect(try await chat.command("/acp permissions approve-all", in: "room1").hasPrefix("OK: permissions approve-all for "))
            #expect(try await chat.command("/acp timeout 120", in: "room1").hasPrefix("OK: turn timeout 120 s for "))
            let options = try await chat.command("/acp options", in: "room1")
            #expect(options.contains("\npermissions: approve-all (override)\nturn timeout: 120 s (override)\n"), "\(options)")
            #expect(options.contains("\nmode: ask (chosen)\nmodel = smart (chosen)"), "\(options)")
            // The agent changes its model itself (config_option_update): the live state follows; the choice stays.
            let changed = try await chat.prompt("[model=fast] quick", in: "room1")
            _ = try await chat.finalText(of: changed, in: "room1")
            #expect(try await chat.command("/acp status", in: "room1").contains("\nagent options: model=fast"))
            #expect(try await chat.command("/acp options", in: "room1").contains("\nmodel = smart (chosen; the agent reports fast)"))
            #expect(try await chat.command("/acp model smart", in: "room1") == "OK: model = smart (Smart model)")
            // The timeout override ends a turn that runs past it.
            #expect(try await chat.command("/acp timeout 1", in: "room1").hasPrefix("OK: turn timeout 1 s for "))
            let hung = try await chat.prompt("[hang]", in: "room1")
            #expect(try await chat.waitForRun(hung, state: "failed").errorCode == "ACP_TURN_TIMEOUT")
            #expect(try await chat.command("/acp timeout 120", in: "room1").hasPrefix("OK: "))
            let approved = try await chat.prompt("[permission] deploy", in: "room1")
            #expect(try await chat.finalText(of: approved, in: "room1").contains("permission: selected allow-once"))
            #expect(try await chat.command("/acp status", in: "room1").contains("\noverrides: permissions approve-all, turn timeout 120 s"))

            // Reset: config again, and the agent back to the defaults it started with.
            let reset = try await chat.command("/acp reset-options", in: "room1")
            #expect(reset.hasPrefix("OK: options of ") && reset.hasSuffix(" reset to config; the agent is back to mode code, model fast"), "\(reset)")
            let after = try await chat.command("/acp options", in: "room1")
            #expect(after.contains("\npermissions: ask (config)\nturn timeout: 1800 s (config)\nmode: code (the agent's default)\nmodel = fast (the agent's default)"), "\(after)")
            let plain = try await chat.prompt("[settings]", in: "room1")
            #expect(try await chat.finalText(of: plain, in: "room1").contains("settings: mode code, model fast"))

            #expect(try await daemon.stop(signal: SIGTERM) == 0, "log:\n\(daemon.log)")
            let sent = try setup.sentMethods()
            #expect(sent.filter { $0 == "session/set_mode" }.count == 2, "\(sent)")  // plan, then code on reset
            #expect(sent.filter { $0 == "session/set_config_option" }.count == 3, "\(sent)")  // smart, smart again, fast on reset
            #expect(!sent.contains("session/close"), "not advertised: \(sent)")
            try await setup.expectValidWire()
        }
    }

    /// The chosen mode, option and overrides survive a SIGKILL of acpd: after the restart the
    /// agent session is restored (`session/resume` when advertised, else `session/load`) and the
    /// choices are applied again (the demo agent forgets them on restore).
    /// (python peer?, resume advertised?): the demo agent both ways, the Python SDK peer with resume.
    @Test(arguments: [(false, true), (false, false), (true, true)])
    func choicesAreAppliedAgainAfterSIGKILLAndRestart(python: Bool, resume: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let setup = try Setup(directory: directory, flags: ["--modes"] + (resume ? ["--resume", "--close"] : []), python: python)
            let first = try await setup.start()
            var chat = E2EChat(daemon: first)
            #expect(try await chat.command("/acp mode plan", in: "room1") == "OK: mode plan (Plan)")
            #expect(try await chat.command("/acp model smart", in: "room1") == "OK: model = smart (Smart model)")
            #expect(try await chat.command("/acp timeout 99", in: "room1").hasPrefix("OK: "))
            let run = try await chat.prompt("[settings] before", in: "room1")
            #expect(try await chat.finalText(of: run, in: "room1").contains("settings: mode plan, model smart"))
            let reported = try await chat.command("/acp status", in: "room1")
            #expect(reported.contains("\nusage: 100/200000 tokens in context, cost 0.01 USD this agent session"), "\(reported)")
            #expect(try await chat.command("/acp commands", in: "room1").contains("\n/echo"))
            _ = try await first.stop(signal: SIGKILL)

            let second = try await setup.start()
            chat = E2EChat(daemon: second)
            let stored = try await chat.command("/acp status", in: "room1")
            #expect(stored.contains("\nagent mode: plan (chosen)\nagent options: model=smart (chosen)\noverrides: turn timeout 99 s"), "\(stored)")
            let again = try await chat.prompt("[settings] after", in: "room1")
            let text = try await chat.finalText(of: again, in: "room1")
            #expect(text.contains("settings: mode plan, model smart"), "\(text)")
            #expect(!text.contains("context"), "restored, not lost: \(text)")
            #expect(try await chat.command("/acp options", in: "room1").contains("turn timeout: 99 s (override)"))
            // The restored agent session goes on counting its cost; the commands were kept in the store.
            let counted = try await chat.command("/acp status", in: "room1")
            #expect(counted.contains("\nusage: 200/200000 tokens in context, cost 0.02 USD this agent session"), "\(counted)")

            // /new ends the agent session (session/close when advertised) and keeps the choices.
            let fresh = try await chat.command("/new", in: "room1")
            #expect(fresh.hasPrefix("OK: fresh session in "), "\(fresh)")
            let afterNew = try await chat.prompt("[settings] new", in: "room1")
            #expect(try await chat.finalText(of: afterNew, in: "room1").contains("settings: mode plan, model smart"))
            // A new agent session: its own cost, and the earlier one's carried into the total.
            let total = try await chat.command("/acp status", in: "room1")
            #expect(total.contains("\nusage: 100/200000 tokens in context, cost 0.01 USD this agent session, 0.03 USD in all"), "\(total)")
            #expect(try await second.stop(signal: SIGTERM) == 0, "log:\n\(second.log)")

            let sent = try setup.sentMethods()
            #expect(sent.contains("session/resume") == resume, "\(sent)")
            #expect(sent.contains("session/load") == !resume, "\(sent)")
            #expect(sent.filter { $0 == "session/close" }.count == (resume ? 1 : 0), "\(sent)")
            try await setup.expectValidWire()
        }
    }

    @Test func closeIsSentOnAcpClose() async throws {
        try await withTemporaryDirectory { directory in
            let setup = try Setup(directory: directory, flags: ["--modes", "--close"])
            let daemon = try await setup.start()
            let chat = E2EChat(daemon: daemon)
            let key = try E2EChat.spawnedKey(try await chat.command("/acp spawn --bind here", in: "c1"))
            let run = try await chat.prompt("hello", in: "c1")
            _ = try await chat.finalText(of: run, in: "c1")
            let sessionIds = try setup.wire("out").compactMap { ($0["params"] as? [String: Any])?["sessionId"] as? String }
            let agentSession = try #require(sessionIds.last)
            #expect(try await chat.command("/acp close", in: "c1") == "OK: closed \(key)")
            let closes = try setup.wire("out").filter { $0["method"] as? String == "session/close" }
            #expect(closes.count == 1, "\(closes)")
            #expect((closes.first?["params"] as? [String: Any])?["sessionId"] as? String == agentSession)
            // The agent answered it (before acpd stopped the process).
            let closeId = closes.first?["id"] as? Int
            #expect(try setup.wire("in").contains { $0["id"] as? Int == closeId && $0["result"] != nil })
            #expect(try await daemon.stop(signal: SIGTERM) == 0, "log:\n\(daemon.log)")
            try await setup.expectValidWire()
        }
    }

    /// The acpx backend answers its permission requests itself and cannot switch modes or
    /// options: those commands say so (before any start is tried); the turn timeout still works.
    @Test func theAcpxBackendSaysWhatItCannotDo() async throws {
        try await withTemporaryDirectory { directory in
            let config = """
                acp:
                  defaultAgent: viaacpx
                agents:
                  viaacpx: { command: ["\(TestPaths.demoAgent)"], cwd: ./workspace, backend: acpx }
                acpx: { command: /nonexistent/acpx-for-acpd-tests }
                bindings:
                \(E2EConfig.acpBinding("room1").replacingOccurrences(of: "agentId: demo", with: "agentId: viaacpx"))
                channels:
                  http: { enabled: true }
                access:
                  owners: ["http:alice"]
                  rateLimit: { perMinute: 6000, burst: 1000 }
                """
            let daemon = try await DaemonProcess.start(in: directory, token: "acpx-opt", config: config)
            let chat = E2EChat(daemon: daemon)
            let cannot = "ERROR: ACP_INVALID_ARGUMENT: the acpx backend cannot switch the agent's modes or options from chat"
                + "\nnext: use backend: stdio for this agent to switch them from chat"
            for command in ["/acp mode", "/acp mode plan", "/acp set", "/acp set model smart", "/acp model", "/acp model smart"] {
                #expect(try await chat.command(command, in: "room1") == cannot, "\(command)")
            }
            let permissions = try await chat.command("/acp permissions approve-all", in: "room1")
            #expect(permissions.hasPrefix("ERROR: ACP_INVALID_ARGUMENT: the acpx backend answers permission requests itself"), "\(permissions)")
            #expect(try await chat.command("/acp timeout 30", in: "room1").hasPrefix("OK: turn timeout 30 s for "))
            let options = try await chat.command("/acp options", in: "room1")
            #expect(options.contains("\nturn timeout: 30 s (override)\nthe acpx backend cannot switch the agent's modes or options from chat"), "\(options)")
            #expect(try await chat.command("/acp commands", in: "room1") == "OK: the agent has not reported any commands yet (it does once it runs)")
            #expect(try await daemon.stop(signal: SIGTERM) == 0, "log:\n\(daemon.log)")
        }
    }

    /// An agent that offers its modes as a config option of category `mode` is switched through
    /// that option (ACP: config options supersede modes). Without session/load support the agent
    /// loses its context after a restart: a command that starts it says so, and the choices are
    /// applied to the fresh session.
    @Test func aModeConfigOptionAndALostContext() async throws {
        try await withTemporaryDirectory { directory in
            let setup = try Setup(directory: directory, flags: ["--mode-option", "--no-load"])
            let first = try await setup.start()
            var chat = E2EChat(daemon: first)
            #expect(try await chat.command("/acp mode", in: "room1") == """
                OK: mode (Mode) values (→ current):
                - ask: Ask
                → code: Code
                - plan: Plan
                pick one with /acp mode <value>
                """)
            #expect(try await chat.command("/acp mode yolo", in: "room1")
                == "ERROR: ACP_INVALID_ARGUMENT: option mode offers no value yolo\nnext: offered: ask, code, plan")
            #expect(try await chat.command("/acp mode plan", in: "room1") == "OK: mode = plan (Plan)")
            let run = try await chat.prompt("[settings]", in: "room1")
            #expect(try await chat.finalText(of: run, in: "room1").contains("settings: mode plan, model fast"))
            _ = try await first.stop(signal: SIGKILL)

            let second = try await setup.start()
            chat = E2EChat(daemon: second)
            #expect(try await chat.command("/acp model smart", in: "room1") == """
                OK: model = smart (Smart model)
                ⚠️ the agent cannot restore sessions (no session/load support); a new session was started and earlier context is lost
                """)
            let after = try await chat.prompt("[settings]", in: "room1")
            #expect(try await chat.finalText(of: after, in: "room1").contains("settings: mode plan, model smart"))
            #expect(try await second.stop(signal: SIGTERM) == 0, "log:\n\(second.log)")
            let sent = try setup.sentMethods()
            #expect(!sent.contains("session/set_mode") && !sent.contains("session/load"), "\(sent)")
            // plan; after the restart plan again (applied to the fresh session), then smart.
            let values = try setup.wire("out").filter { $0["method"] as? String == "session/set_config_option" }
                .compactMap { ($0["params"] as? [String: Any])?["value"] as? String }
            #expect(values == ["plan", "plan", "smart"], "\(values)")
            try await setup.expectValidWire()
        }
    }

    /// A chat command and a prompt from another conversation of the same session reach an agent
    /// that is not running at the same time: one agent process is started, not two.
    @Test func aCommandAndAPromptStartOneAgentBetweenThem() async throws {
        try await withTemporaryDirectory { directory in
            let setup = try Setup(directory: directory, flags: ["--modes", "--init-delay", "800"])
            let daemon = try await setup.start()
            let chat = E2EChat(daemon: daemon)
            let status = try await chat.command("/acp status", in: "room1")
            let key = try #require(status.components(separatedBy: " is ").first?.replacingOccurrences(of: "OK: ", with: ""))
            #expect(try await chat.command("/acp bind \(key)", in: "other") == "OK: bound this conversation to \(key)")
            async let mode = chat.command("/acp mode plan", in: "room1")
            async let run = chat.prompt("[settings] together", in: "other")
            let (reply, runId) = try await (mode, run)
            #expect(reply == "OK: mode plan (Plan)" || reply.hasPrefix("ERROR: ACP_INVALID_ARGUMENT: the agent is being started"), "\(reply)")
            #expect(try await chat.finalText(of: runId, in: "other").contains("settings: mode "))
            #expect(try await chat.run(runId).state == "completed")
            #expect(try await daemon.stop(signal: SIGTERM) == 0, "log:\n\(daemon.log)")
            let sent = try setup.sentMethods()
            #expect(sent.filter { $0 == "initialize" }.count == 1, "\(sent)")
            try await setup.expectValidWire()
        }
    }
}
