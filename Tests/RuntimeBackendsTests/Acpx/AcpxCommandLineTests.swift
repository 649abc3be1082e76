import ACPControlPlane
import Testing

@testable import RuntimeBackends

@Suite("acpx command line")
struct AcpxCommandLineTests {
    let name = AcpxSessionName(SessionKey("agent:demo:acp:abc")!)

    func line(mode: AcpxPermissionMode = .ask, ttl: Int? = nil, agent: [String] = ["demo-agent", "--acp"]) -> AcpxCommandLine {
        AcpxCommandLine(acpx: ["/opt/acpx/bin/acpx"], agentCommand: agent, cwd: "/srv/repo", permissionMode: mode,
                        queueOwnerTTLSeconds: ttl)
    }

    static let global = ["/opt/acpx/bin/acpx", "--format", "json", "--json-strict", "--cwd", "/srv/repo",
                         "--agent", "demo-agent --acp", "--approve-reads", "--non-interactive-permissions", "deny"]

    @Test("every subcommand has the documented shape")
    func subcommands() {
        let cases: [([String], [String])] = [
            (line().ensure(name), Self.global + ["sessions", "ensure", "--name", "acpd-agent:demo:acp:abc"]),
            (line().ensure(name, resumeSessionId: "sess-1"),
             Self.global + ["sessions", "ensure", "--name", "acpd-agent:demo:acp:abc", "--resume-session", "sess-1"]),
            (line().ensure(name, resumeSessionId: ""), Self.global + ["sessions", "ensure", "--name", "acpd-agent:demo:acp:abc"]),
            (line().prompt(name), Self.global + ["prompt", "--session", "acpd-agent:demo:acp:abc", "--file", "-"]),
            (line().cancel(name), Self.global + ["cancel", "--session", "acpd-agent:demo:acp:abc"]),
            (line().close(name), Self.global + ["sessions", "close", "acpd-agent:demo:acp:abc"]),
            (AcpxCommandLine.version(acpx: ["npx", "acpx"]), ["npx", "acpx", "--version"]),
        ]
        for (actual, expected) in cases {
            #expect(actual == expected)
        }
    }

    @Test("permission modes map to acpx flags", arguments: [
        (AcpxPermissionMode.ask, ["--approve-reads", "--non-interactive-permissions", "deny"]),
        (.approveReads, ["--approve-reads", "--non-interactive-permissions", "deny"]),
        (.approveAll, ["--approve-all", "--non-interactive-permissions", "deny"]),
        (.denyAll, ["--deny-all", "--non-interactive-permissions", "deny"]),
    ])
    func permissionFlags(mode: AcpxPermissionMode, flags: [String]) {
        let argv = line(mode: mode).cancel(name)
        #expect(Array(argv[8..<(8 + flags.count)]) == flags)
        // Exactly one permission mode: acpx rejects more than one as a usage error.
        let modes = argv.filter { ["--approve-reads", "--approve-all", "--deny-all"].contains($0) }
        #expect(modes.count == 1)
    }

    @Test("the queue-owner TTL is passed only when set, never negative")
    func ttl() {
        #expect(!line().global.contains("--ttl"))
        #expect(Array(line(ttl: 30).global.suffix(2)) == ["--ttl", "30"])
        #expect(Array(line(ttl: -5).global.suffix(2)) == ["--ttl", "0"])
    }

    @Test("agent argv survives acpx's command-string splitting", arguments: [
        ["demo-agent"],
        ["npx", "-y", "@zed-industries/claude-agent-acp"],
        ["/path with spaces/agent", "--flag=a b"],
        ["agent", "it's", "\"quoted\"", "back\\slash"],
        ["agent", "", "$HOME", "`id`", "a;b|c&d"],
        ["agent", "tab\there", "new\nline", "ünïcödé"],
        ["agent", "'", "''", "\\"],
    ])
    func agentQuotingRoundTrip(argv: [String]) throws {
        let command = AcpxCommandLine.agentCommandString(argv)
        #expect(AcpxCommandLine.split(command) == argv)
    }

    @Test("safe words stay bare, others are single-quoted")
    func quoting() {
        let cases: [(String, String)] = [
            ("demo-agent", "demo-agent"),
            ("@scope/pkg@1.2.3", "@scope/pkg@1.2.3"),
            ("--mode=ci", "--mode=ci"),
            ("a b", "'a b'"),
            ("it's", "'it'\\''s'"),
            ("", "''"),
        ]
        for (word, quoted) in cases {
            #expect(AcpxCommandLine.quote(word) == quoted)
        }
    }

    @Test("an unterminated quote does not split")
    func unterminated() {
        #expect(AcpxCommandLine.split("agent 'open") == nil)
        #expect(AcpxCommandLine.split("agent \"open") == nil)
    }
}
