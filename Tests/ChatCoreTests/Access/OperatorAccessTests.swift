import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Testing

/// `--secret` extraction (`CarriedSecret`), the shell policy (`ShellPolicy`), command classes, and
/// the parsing of the operator commands.
@Suite struct OperatorAccessTests {
    @Test(arguments: [
        // (text, text after extraction, secret, carries a secret)
        ("/acp spawn --secret s3 demo", "/acp spawn demo", "s3", true),
        ("/acp spawn demo --secret=s3", "/acp spawn demo ", "s3", true),
        ("/acp close key \u{2014}secret s3", "/acp close key ", "s3", true),
        ("/acp send --secret s3 room hello --secret x", "/acp send room hello --secret x", "s3", true),
        ("/acp send room --secret s3 hello", "/acp send room hello", "s3", true),
        ("/acp send room hello --secret s3", "/acp send room hello --secret s3", nil, false),
        ("/acp run --timeout 5 --secret s3 --yes echo --secret y", "/acp run --timeout 5 --yes echo --secret y", "s3", true),
        ("/acp run --yes -- --secret y", "/acp run --yes -- --secret y", nil, false),
        ("/acp steer --secret s3 text", "/acp steer text", "s3", true),
        ("/acp doctor --secret", "/acp doctor ", "", true),
        ("/auth s3", "/auth s3", nil, true),
        ("/auth", "/auth", nil, false),
        ("hello --secret s3", "hello --secret s3", nil, false),
        ("/new --secret s3", "/new --secret s3", nil, false),
    ] as [(String, String, String?, Bool)])
    func secretIsCutOutOfCommandText(_ text: String, _ rest: String, _ secret: String?, _ carries: Bool) {
        let carried = CarriedSecret(text)
        #expect(carried.text == rest)
        #expect(carried.secret == secret)
        #expect(carried.carriesSecret == carries)
    }

    @Test func classesFollowTheContract() {
        #expect(CommandName.run.commandClass == .dangerous)
        for name in [CommandName.status, .sessions, .health, .help] { #expect(name.commandClass == .safe, "\(name)") }
        for name in [CommandName.spawn, .bind, .unbind, .close, .send, .approve, .deny, .doctor, .logs] {
            #expect(name.commandClass == .guarded, "\(name)")
        }
        for name in CommandName.allCases { #expect(name.isGuarded == (name.commandClass != .safe), "\(name)") }
    }

    @Test func aGivenSecretStandsInForAuthAndAWrongOneIsRefused() {
        let gate = SecretGate(secret: "s3cret", ttlSeconds: 60)
        let alice = SenderRef(channel: .http, id: "alice")
        let now = Date()
        #expect(!gate.permits(.run, sender: alice, now: now))
        #expect(gate.permits(.run, sender: alice, now: now, secret: "s3cret"))
        #expect(!gate.permits(.run, sender: alice, now: now, secret: "s3cre"))
        #expect(!gate.permits(.logs, sender: alice, now: now, secret: ""))
        #expect(gate.permits(.health, sender: alice, now: now, secret: "wrong"), "safe commands ignore it")
    }

    @Test func shellPolicyDeniesAndAllows() throws {
        let denied = ShellPolicy(config: ShellConfig(enabled: true))
        for command in ["rm -rf /", "RM\t -Rf x", "curl x |  sh", "echo x | bash", "sudo ls", "dd if=/dev/zero of=x", ":(){ :|:& };:", "mkfs.ext4 /dev/x"] {
            #expect(throws: ACPError.self, "\(command)") { try denied.check(command) }
        }
        for command in ["ls -la", "echo rm", "git status", "sudoku"] { try denied.check(command) }
        let allowed = ShellPolicy(config: ShellConfig(enabled: true, allowPrefixes: ["git status", "./scripts/"], denyPatterns: []))
        for command in ["git status", "git  status -s", "./scripts/deploy.sh"] { try allowed.check(command) }
        for command in ["git statusx", "git push", "git status; rm x", "git status && x", "git status | tee", "git status > f",
                        "git status `x`", "git status $(x)", "git status\nrm x", "./scripts/a & b"] {
            #expect(throws: ACPError.self, "\(command)") { try allowed.check(command) }
        }
    }

    @Test func shellEnvironmentIsThePassthroughAndTheAgentsPlainVariables() {
        let agent = AgentConfig(id: "a", command: ["x"], cwd: "/", env: ["PLAIN": "1", "OPENAI_API_KEY": "k", "githubToken": "t"],
                                mode: .persistent, backend: "stdio", authMethod: nil)
        let environment = ShellPolicy.environment(passthrough: ["PATH", "HOME", "MISSING"], agent: agent,
                                                  host: ["PATH": "/bin", "HOME": "/h", "ACPD_API_TOKEN": "secret", "TELEGRAM_BOT_TOKEN": "t"])
        #expect(environment == ["PATH": "/bin", "HOME": "/h", "PLAIN": "1"])
    }

    @Test(arguments: [
        ("/acp sessions --limit 5 --active-minutes 30 --agent demo", ChatCommand.sessions(SessionListOptions(limit: 5, activeMinutes: 30, agent: "demo"))),
        ("/acp logs", .logs(LogsOptions())),
        ("/acp logs --grep \"two words\" --tail=500", .logs(LogsOptions(tail: 500, grep: "two words"))),
        ("/acp run --timeout=7 --yes ls  -la | wc", .run(ShellRunOptions(timeoutSeconds: 7, command: "ls  -la | wc"))),
        ("/acp run \u{2014}yes -- --weird", .run(ShellRunOptions(command: "--weird"))),
        ("/acp send agent:demo:acp:1 line one\nline two", .send(target: "agent:demo:acp:1", text: "line one\nline two")),
    ] as [(String, ChatCommand)])
    func operatorCommandsParse(_ text: String, _ command: ChatCommand) {
        #expect(CommandParser.parse(text) == .command(command))
    }

    @Test(arguments: [
        ("/acp health now", CommandName.health, "unexpected argument now"),
        ("/acp run --yes", .run, "missing command"),
        ("/acp run --timeout --yes ls", .run, "--timeout must be a whole number from 1 to 3600, not --yes"),
        ("/acp run --force --yes ls", .run, "unknown flag --force (flags go before the command)"),
        ("/acp run --yes --yes ls", .run, "--yes is given twice"),
        ("/acp send", .send, "missing target"),
        ("/acp send --to x y", .send, "unknown flag --to"),
        ("/acp logs --tail 0", .logs, "--tail must be a whole number from 1 to 500, not 0"),
        ("/acp logs extra", .logs, "unexpected argument extra"),
    ] as [(String, CommandName, String)])
    func operatorCommandsRefuseBadArguments(_ text: String, _ name: CommandName, _ problem: String) {
        guard case .invalid(let parsed, let error) = CommandParser.parse(text) else {
            Issue.record("expected invalid: \(CommandParser.parse(text))")
            return
        }
        #expect(parsed == name)
        #expect(error.message.hasSuffix(problem), "\(error.message)")
        #expect(error.hint == "usage: \(name.usage)")
    }
}
