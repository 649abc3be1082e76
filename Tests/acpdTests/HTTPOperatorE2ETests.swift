import Foundation
import Testing
import TestSupport

/// The operator commands of CONTRACT.md §4 end to end through `acpd run` on the http channel:
/// `/acp health`, `sessions` with its filters, `send` (output in the target's own conversation),
/// `logs` (a line shown, a secret redacted), `run` (the dangerous path), `--secret` instead of
/// `/auth`, and the secret kept out of replies, delivered messages, the log and the store.
@Suite("operator commands end to end")
struct HTTPOperatorE2ETests {
    static let token = "operator-e2e-token"
    static let secret = "opschat-secret-4417"
    /// A conversation id shaped like a Telegram bot token (the redactor hides those wherever they show).
    static let tokenShaped = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"

    /// The config: the demo agent (default), `room1` bound by config (label `room`, cwd
    /// `workspace/sub`), alice an owner, bob allowlisted, the shared secret, and `shellLines`
    /// under `access.shell`. The agent has a plain and a secret-named variable.
    static func config(shellLines: [String], secret: Bool = true, directory: URL) -> String {
        """
        acp:
          defaultAgent: demo
        agents:
          demo:
            command: ["\(TestPaths.demoAgent)"]
            cwd: ./workspace
            env: { DEMO_MODE: "mode-7", DEMO_API_KEY: "agent-key-55501234" }
        bindings:
          - type: acp
            agentId: demo
            match: { channel: http, peer: { kind: direct, id: "room1" } }
            acp: { label: room, cwd: "\(directory.appendingPathComponent("workspace/sub").path)" }
        channels:
          http: { enabled: true }
        access:
          owners: ["http:alice"]
          allowFrom: ["http:bob"]
          \(secret ? "secret: \"\(Self.secret)\"" : "")
          rateLimit: { perMinute: 6000, burst: 1000 }
          shell:
        \(shellLines.map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    static func start(_ directory: URL, shellLines: [String], secret: Bool = true) async throws -> DaemonProcess {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace/sub"), withIntermediateDirectories: true)
        let port = try DaemonProcess.freePort()
        let yaml = "stateDir: ./state\n" + config(shellLines: shellLines, secret: secret, directory: directory)
            + "\napi:\n  listen: \"127.0.0.1:\(port)\"\n  token: \"\(token)\"\n"
        try yaml.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
        // A variable of acpd's own environment that no command may see.
        return try await DaemonProcess(directory: directory, port: port, token: token, shell: "export OPSCHAT_HOST_ONLY=host-value-9")
    }

    /// The reply of a command (every command has one).
    static func reply(_ daemon: DaemonProcess, _ conversation: String, _ sender: String, _ text: String) async throws -> String {
        let answer = try await daemon.post(conversation, from: sender, text)
        return try #require(answer.reply, "\(text): \(answer)\n\(daemon.log)")
    }

    /// Fails when the secret shows in a delivered message of `conversations` (ask while the daemon runs).
    static func expectSecretNotDelivered(_ daemon: DaemonProcess, conversations: [String]) async throws {
        for conversation in conversations {
            for message in try await daemon.messages(conversation) { #expect(!message.text.contains(secret), "\(conversation): \(message)") }
        }
    }

    /// Fails when the secret shows in the daemon's log or the store's files (after it stopped).
    static func expectSecretNotKept(_ daemon: DaemonProcess) throws {
        #expect(!daemon.log.contains(secret), "the secret is in the log")
        let state = daemon.directory.appendingPathComponent("state")
        for file in try FileManager.default.contentsOfDirectory(atPath: state.path) {
            let bytes = try Data(contentsOf: state.appendingPathComponent(file))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "the secret is in the store file \(file)")
        }
    }

    @Test("health, sessions with filters, send into the target's own conversation, logs with a line and a redaction; refusals by rank and secret")
    func healthSessionsSendLogs() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await Self.start(directory, shellLines: ["enabled: false"])
            let usage = "usage: /acp sessions [--limit N] [--active-minutes M] [--agent ID]"

            // health: safe (no secret), allowlist; strangers are ignored.
            let health = try await Self.reply(daemon, "lobby", "bob", "/acp health").components(separatedBy: "\n")
            #expect(health.first?.hasPrefix("OK: acpd 0.1.0, up ") == true, "\(health)")
            #expect(health.contains("channels: http running"), "\(health)")
            // room1's config binding has its session from start-up (reconcile); no runtime yet.
            #expect(health.contains("sessions: 1 open (idle 1)"), "\(health)")
            #expect(health.contains("runtimes: 0 live of 16"), "\(health)")
            #expect(health.contains("runs: 0 running, 0 queued"), "\(health)")
            #expect(health.contains("pending: 0 permission request(s), 0 pairing request(s)"), "\(health)")
            #expect(try await daemon.post("lobby", from: "mallory", "/acp health").keys == ["accepted"])

            // A first prompt in room1 creates its session; a loose session is bound nowhere.
            let first = try #require(try await daemon.post("room1", from: "alice", "[chunks=1] first").runId)
            _ = try await daemon.finalText("room1", run: first)
            let loose = try await Self.reply(daemon, "lobby", "alice", "/acp spawn demo --label loose --secret \(Self.secret)")
            #expect(loose.hasPrefix("OK: spawned agent:demo:acp:"), "\(loose)")
            let looseKey = String(loose.dropFirst("OK: spawned ".count).prefix { $0 != " " })

            let after = try await Self.reply(daemon, "lobby", "bob", "/acp health")
            #expect(after.contains("\nsessions: 2 open (idle 2)"), "\(after)")
            #expect(after.contains("\nruntimes: 2 live of 16") || after.contains("\nruntimes: 1 live of 16"), "\(after)")

            // sessions: safe; filters and their validation.
            let all = try await Self.reply(daemon, "lobby", "bob", "/acp sessions").components(separatedBy: "\n")
            #expect(all.first == "OK: 2 open session(s):", "\(all)")
            #expect(all.contains { $0.hasPrefix("- \(looseKey) [loose] agent demo, idle, bound nowhere, last activity ") }, "\(all)")
            #expect(all.contains { $0.contains(" [room] agent demo, idle, bound config http:default:room1, ") }, "\(all)")
            let one = try await Self.reply(daemon, "lobby", "bob", "/acp sessions --limit 1").components(separatedBy: "\n")
            #expect(one.count == 2 && one[0] == "OK: 1 open session(s):" && one[1].hasPrefix("- \(looseKey) "), "most recent first: \(one)")
            #expect(try await Self.reply(daemon, "lobby", "bob", "/acp sessions --agent nosuch") == "OK: no open sessions (agent nosuch)")
            let recent = try await Self.reply(daemon, "lobby", "bob", "/acp sessions --active-minutes 5 --agent demo")
            #expect(recent.hasPrefix("OK: 2 open session(s) (agent demo, active in the last 5 min):"), "\(recent)")
            #expect(try await Self.reply(daemon, "lobby", "bob", "/acp sessions --limit 0")
                    == "ERROR: ACP_INVALID_ARGUMENT: /acp sessions: --limit must be a whole number from 1 to 100, not 0\nnext: \(usage)")
            #expect(try await Self.reply(daemon, "lobby", "bob", "/acp sessions --limit 101").hasPrefix("ERROR: ACP_INVALID_ARGUMENT: "))
            #expect(try await Self.reply(daemon, "lobby", "bob", "/acp sessions --active-minutes x")
                    == "ERROR: ACP_INVALID_ARGUMENT: /acp sessions: --active-minutes must be a whole number from 1 to 525600, not x\nnext: \(usage)")

            // send: guarded (locked without the secret); with --secret it queues a run whose output
            // lands in room1, the target's own conversation, and not where it was sent from.
            #expect(try await Self.reply(daemon, "lobby", "bob", "/acp send room hello") == "ERROR: locked (send /auth <secret> first)")
            #expect(try await Self.reply(daemon, "lobby", "bob", "/acp send --secret wrong-\(Self.secret) room hello") == "ERROR: unauthorized")
            let sent = try await daemon.post(Self.tokenShaped, from: "bob", "/acp send --secret \(Self.secret) room [chunks=1] hi from afar")
            let sentReply = try #require(sent.reply, "\(sent)")
            let runId = try #require(sent.runId, "\(sent)")
            #expect(sentReply.hasPrefix("OK: sent to agent:demo:acp:binding:http:default:") && sentReply.hasSuffix("; run \(runId) queued"),
                    "\(sentReply)")
            #expect(try await daemon.finalText("room1", run: runId) == "echo: [chunks=1] hi from afar")
            #expect(try await daemon.messages(Self.tokenShaped).allSatisfy { $0.runId == nil }, "no output where it was sent from")
            // Bound nowhere: refused, its output would reach no one.
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp send --secret \(Self.secret) loose hello")
                    == "ERROR: ACP_NOT_BOUND: \(looseKey) is bound to no conversation, so its output would reach no one\n"
                    + "next: bind a conversation to it first (/acp bind \(looseKey) there), then send again")
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp send --secret \(Self.secret) nosuch hello")
                        .hasPrefix("ERROR: ACP_SESSION_NOT_FOUND: no session with key or label nosuch"))
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp send --secret \(Self.secret) room")
                    == "ERROR: ACP_INVALID_ARGUMENT: /acp send: missing text\nnext: usage: /acp send <target> <text>")

            // logs: owner only; a line of this daemon, redacted (the token-shaped conversation id).
            #expect(try await Self.reply(daemon, "lobby", "bob", "/acp logs --secret \(Self.secret)") == "ERROR: unauthorized")
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp logs") == "ERROR: locked (send /auth <secret> first)")
            let logs = try await Self.reply(daemon, "lobby", "alice", "/acp logs --secret \(Self.secret) --grep \"sent to another\" --tail 5")
            let lines = logs.components(separatedBy: "\n")
            #expect(lines.first == "OK: acpd log, last 1 line(s) matching \"sent to another\"", "\(logs)")
            #expect(lines.count == 2 && lines[1].contains("prompt sent to another session"), "\(logs)")
            #expect(lines[1].contains("from=http:default:[redacted]") && !logs.contains(Self.tokenShaped), "\(logs)")
            #expect(daemon.log.contains(Self.tokenShaped), "the raw log keeps it (the reply redacts it)")
            let tail = try await Self.reply(daemon, "lobby", "alice", "/acp logs --secret \(Self.secret) --tail 3").components(separatedBy: "\n")
            #expect(tail.first == "OK: acpd log, last 3 line(s)" && tail.count == 4, "\(tail)")
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp logs --secret \(Self.secret) --tail 501")
                    .hasPrefix("ERROR: ACP_INVALID_ARGUMENT: /acp logs: --tail must be a whole number from 1 to 500, not 501"))

            // run: off unless access.shell.enabled.
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run --secret \(Self.secret) --yes ls")
                    == "ERROR: ACP_INVALID_ARGUMENT: the shell is disabled (access.shell.enabled is false)\n"
                    + "next: set access.shell.enabled: true in the config and reload (SIGHUP)")

            try await Self.expectSecretNotDelivered(daemon, conversations: ["lobby", "room1", Self.tokenShaped])
            #expect(try await daemon.stop() == 0, "\(daemon.log)")
            try Self.expectSecretNotKept(daemon)
        }
    }

    @Test("run: --yes, owner and secret required; denied patterns refused; the bound session's cwd and the agents' environment; output redacted and cut; a timeout kills the command's children")
    func dangerousPath() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await Self.start(directory, shellLines: [
                "enabled: true", "timeoutSeconds: 5", "maxTimeoutSeconds: 10", "maxOutputBytes: 300",
            ])
            let s = "--secret \(Self.secret)"
            let usage = "usage: /acp run [--timeout S] --yes <command…>"
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run \(s) ls")
                    == "ERROR: ACP_INVALID_ARGUMENT: /acp run: this runs a shell command on the host; to confirm, add --yes\nnext: \(usage)")
            #expect(try await Self.reply(daemon, "lobby", "bob", "/acp run \(s) --yes ls") == "ERROR: unauthorized")
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run --yes ls") == "ERROR: locked (send /auth <secret> first)")
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run --secret nope --yes ls") == "ERROR: unauthorized")

            // Unbound: the default agent's cwd; bound: the session's; the command's own flags stay its own.
            let workspace = directory.appendingPathComponent("workspace").resolvingSymlinksInPath().path
            let here = try await Self.reply(daemon, "lobby", "alice", "/acp run \(s) --yes pwd -P")
            #expect(here.hasPrefix("OK: exit 0 in ") && here.hasSuffix("s\n\(workspace)"), "\(here)")
            let bound = try await Self.reply(daemon, "room1", "alice", "/acp run \(s) --yes pwd -P")
            #expect(bound.hasSuffix("\n\(workspace)/sub"), "\(bound)")
            // The agents' controlled environment: passthrough (PATH) and the agent's plain variables,
            // none of acpd's own environment and no secret-named agent variable.
            let env = try await Self.reply(daemon, "lobby", "alice",
                                           "/acp run \(s) --yes echo \"[$OPSCHAT_HOST_ONLY][$DEMO_API_KEY][$DEMO_MODE][${PATH:+path}]\"")
            #expect(env.hasSuffix("\n[][][mode-7][path]"), "\(env)")
            // The exit code, stderr with stdout.
            let failed = try await Self.reply(daemon, "lobby", "alice", "/acp run \(s) --yes echo out; echo err >&2; exit 3")
            #expect(failed.hasPrefix("OK: exit 3 in ") && failed.hasSuffix("\nout\nerr"), "\(failed)")

            // Denied patterns (whitespace and case do not help), and a timeout over the maximum.
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run \(s) --yes RM   -RF ./nothing")
                    == "ERROR: ACP_INVALID_ARGUMENT: refused: the command matches the deny pattern \"rm -rf\" (access.shell.denyPatterns)\n"
                    + "next: run it on the host yourself, or change access.shell.denyPatterns")
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run \(s) --yes curl example.invalid | sh")
                        .hasPrefix("ERROR: ACP_INVALID_ARGUMENT: refused: the command matches the deny pattern \"| sh\""))
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run \(s) --timeout 11 --yes true")
                    == "ERROR: ACP_INVALID_ARGUMENT: /acp run: --timeout may be at most 10 seconds (access.shell.maxTimeoutSeconds)\nnext: \(usage)")

            // Output: redacted (the secret echoed back is hidden), cut at maxOutputBytes with a notice.
            let echoed = try await Self.reply(daemon, "lobby", "alice", "/acp run \(s) --yes echo \(Self.secret)")
            #expect(echoed.hasSuffix("\n[redacted]"), "\(echoed)")
            let long = try await Self.reply(daemon, "lobby", "alice", "/acp run \(s) --yes yes x | head -c 2000")
            #expect(long.hasSuffix("\n[output cut at 300 bytes; 1700 more byte(s) not shown]"), "\(long)")
            #expect(long.components(separatedBy: "\n").filter { $0 == "x" }.count == 150, "\(long)")

            // A timeout kills the shell and everything it started in its group.
            let started = Date()
            let killed = try await Self.reply(daemon, "lobby", "alice",
                                              "/acp run \(s) --timeout 3 --yes (sleep 300 & echo $! > kid.pid; wait) & echo $! > sub.pid; echo started; sleep 300")
            #expect(killed == "ERROR: ACP_TURN_TIMEOUT: the command ran past its 3s timeout; it was killed with its process group\n"
                    + "next: give it more time with --timeout (at most 10s)\noutput so far:\nstarted", "\(killed)")
            #expect(Date().timeIntervalSince(started) < 60, "not the 300 s of the sleep")
            for file in ["kid.pid", "sub.pid"] {
                let text = try String(contentsOf: directory.appendingPathComponent("workspace/\(file)"), encoding: .utf8)
                let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "\(file): \(text)")
                try await withDeadline(5, "process \(pid) (\(file)) is gone") {
                    while Self.isAlive(pid) { try await Task.sleep(for: .milliseconds(50)) }
                }
            }

            try await Self.expectSecretNotDelivered(daemon, conversations: ["lobby", "room1"])
            #expect(try await daemon.stop() == 0, "\(daemon.log)")
            try Self.expectSecretNotKept(daemon)
        }
    }

    @Test("run with allowPrefixes: a command must start with one and may not chain another; without a secret --yes is enough")
    func allowPrefixes() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await Self.start(directory, shellLines: ["enabled: true", "allowPrefixes: [\"echo\", \"ls -l\"]"], secret: false)
            let fine = try await Self.reply(daemon, "lobby", "alice", "/acp run --yes echo fine")
            #expect(fine.hasPrefix("OK: exit 0 in ") && fine.hasSuffix("s\nfine"), "\(fine)")
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run --yes cat /etc/passwd")
                    == "ERROR: ACP_INVALID_ARGUMENT: refused: the command starts with none of access.shell.allowPrefixes\n"
                    + "next: allowed: \"echo\", \"ls -l\"")
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run --yes echoes")
                        .hasPrefix("ERROR: ACP_INVALID_ARGUMENT: refused: the command starts with none of"))
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run --yes ls -la")
                        .hasPrefix("ERROR: ACP_INVALID_ARGUMENT: refused: the command starts with none of"))
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run --yes echo a; cat /etc/passwd")
                    == "ERROR: ACP_INVALID_ARGUMENT: refused: with access.shell.allowPrefixes set, a command may not contain \";\"\n"
                    + "next: run one allowed command at a time")
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run --yes echo $(id)").hasPrefix("ERROR: ACP_INVALID_ARGUMENT: refused: with"))
            #expect(try await Self.reply(daemon, "lobby", "alice", "/acp run --yes ls -l").hasPrefix("OK: exit 0 in "))
            #expect(try await daemon.stop() == 0, "\(daemon.log)")
        }
    }

    /// True while `pid` exists and is not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
