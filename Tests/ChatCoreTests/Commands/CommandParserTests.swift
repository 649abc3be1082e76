import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Testing

@Suite struct CommandParserTests {
    struct Good: Sendable, CustomTestStringConvertible {
        var text: String
        var command: ChatCommand
        var testDescription: String { text.debugDescription }
        init(_ text: String, _ command: ChatCommand) {
            self.text = text
            self.command = command
        }
    }

    static let good: [Good] = [
        Good("/acp", .help),
        Good("/acp help", .help),
        Good("/acp HELP", .help),
        Good("/acp spawn", .spawn(SpawnOptions())),
        Good("/acp spawn codex", .spawn(SpawnOptions(agent: "codex"))),
        Good("/acp spawn demo --mode oneshot --bind here --cwd /srv/x --label tg",
             .spawn(SpawnOptions(agent: "demo", mode: .oneshot, bind: .here, cwd: "/srv/x", label: "tg"))),
        Good("/acp spawn --mode=persistent --thread=auto demo",
             .spawn(SpawnOptions(agent: "demo", mode: .persistent, thread: .auto))),
        Good("/acp spawn \u{2014}thread here", .spawn(SpawnOptions(thread: .here))),
        Good("/acp spawn \u{2013}bind OFF", .spawn(SpawnOptions(bind: .off))),
        Good("/acp spawn --thread off", .spawn(SpawnOptions(thread: .off))),
        Good("/acp spawn --label \"my work\" --cwd \"/srv/my repo\"",
             .spawn(SpawnOptions(cwd: "/srv/my repo", label: "my work"))),
        Good("/acp bind tg-demo", .bind(target: "tg-demo", persist: false)),
        Good("/acp bind agent:demo:acp:1234 --persist", .bind(target: "agent:demo:acp:1234", persist: true)),
        Good("/acp bind \u{2014}persist lbl", .bind(target: "lbl", persist: true)),
        Good("/acp unbind", .unbind),
        Good("/acp cancel", .cancel(.here)),
        Good("/acp cancel tg-demo", .cancel(.named("tg-demo"))),
        Good("/acp steer stop and run the tests", .steer(text: "stop and run the tests")),
        Good("/acp steer   line 1\n  line 2 --mode x \"q", .steer(text: "line 1\n  line 2 --mode x \"q")),
        Good("/acp close", .close(.here)),
        Good("/acp close agent:demo:acp:1", .close(.named("agent:demo:acp:1"))),
        Good("/acp sessions", .sessions(SessionListOptions())),
        Good("/acp health", .health),
        Good("/acp send work hello there", .send(target: "work", text: "hello there")),
        Good("/acp logs --tail 5", .logs(LogsOptions(tail: 5))),
        Good("/acp run --yes ls -la", .run(ShellRunOptions(command: "ls -la"))),
        Good("/acp status", .status(.here)),
        Good("/acp status lbl", .status(.named("lbl"))),
        Good("/acp doctor", .doctor),
        Good("/acp approve 7f3a", .approve(id: "7f3a")),
        Good("/acp approve 7 --role member", .approve(id: "7", role: .member)),
        Good("/acp approve 7 --role=OPERATOR", .approve(id: "7", role: .operator)),
        Good("/acp deny 7f3a", .deny(id: "7f3a")),
        Good("/acp answer 2 env=prod", .answer(number: 2, fields: [FieldValue(field: "env", value: "prod")], setOnly: false)),
        Good("/acp decline 2", .decline(number: 2)),
        Good("/acp allow 1", .allow(number: 1)),
        Good("/acp allow 3 always", .allow(number: 3, scope: .always)),
        Good("/acp reject 3 ONCE", .reject(number: 3, scope: .once)),
        Good("/acp reject 12", .reject(number: 12)),
        Good("/new", .new(text: nil)),
        Good("/new fix the bug\n\nthen test", .new(text: "fix the bug\n\nthen test")),
        Good("/reset", .reset(text: nil)),
        Good("/reset  again ", .reset(text: "again ")),
        Good("/auth s3cret value ", .auth(secret: "s3cret value")),
        Good("/lock", .lock),
        Good("/acp@AcpdBot status", .status(.here)),
        Good("/new@acpdbot hi", .new(text: "hi")),
        // Agent options (issue 15).
        Good("/acp mode", .mode(id: nil)),
        Good("/acp mode plan", .mode(id: "plan")),
        Good("/acp set", .set(option: nil, value: nil)),
        Good("/acp set model", .set(option: "model", value: nil)),
        Good("/acp set model smart", .set(option: "model", value: "smart")),
        Good("/acp model", .model(value: nil)),
        Good("/acp model claude-sonnet", .model(value: "claude-sonnet")),
        Good("/acp options", .options),
        Good("/acp reset-options", .resetOptions),
        Good("/acp permissions approve-reads", .permissions(.approveReads)),
        Good("/acp permissions DENY-ALL", .permissions(.denyAll)),
        Good("/acp timeout 90", .timeout(seconds: 90)),
        Good("/acp commands", .commands),
    ]

    @Test(arguments: good)
    func parses(_ c: Good) {
        #expect(CommandParser.parse(c.text, botUsername: "AcpdBot") == .command(c.command))
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var text: String
        var name: CommandName
        var problem: String
        var testDescription: String { text.debugDescription }
        init(_ text: String, _ name: CommandName, _ problem: String) {
            self.text = text
            self.name = name
            self.problem = problem
        }
    }

    static let bad: [Bad] = [
        Bad("/acp frobnicate", .help, "unknown command /acp frobnicate"),
        Bad("/acp new", .help, "unknown command /acp new"),
        Bad("/acp approve 7 --role admin", .approve, "--role must be operator|member, not admin"),
        Bad("/acp deny 7 --role member", .deny, "unknown flag --role"),
        Bad("/acp spawn a b", .spawn, "unexpected argument b"),
        Bad("/acp spawn --mode", .spawn, "--mode needs a value"),
        Bad("/acp spawn --mode --bind here", .spawn, "--mode needs a value"),
        Bad("/acp spawn --mode=", .spawn, "--mode needs a value"),
        Bad("/acp spawn --mode forever", .spawn, "--mode must be persistent|oneshot, not forever"),
        Bad("/acp spawn --bind there", .spawn, "--bind must be here|off, not there"),
        Bad("/acp spawn --thread yes", .spawn, "--thread must be auto|here|off, not yes"),
        Bad("/acp spawn --bind here --thread auto", .spawn, "--bind and --thread cannot be used together"),
        Bad("/acp spawn --bind off --thread off", .spawn, "--bind and --thread cannot be used together"),
        Bad("/acp spawn --verbose", .spawn, "unknown flag --verbose"),
        Bad("/acp spawn --mode oneshot --mode persistent", .spawn, "--mode is given twice"),
        Bad("/acp spawn --label \"open", .spawn, "unterminated quote"),
        Bad("/acp bind", .bind, "missing session key or label"),
        Bad("/acp mode a b", .mode, "unexpected argument b"),
        Bad("/acp set a b c", .set, "unexpected argument c"),
        Bad("/acp model a b", .model, "unexpected argument b"),
        Bad("/acp options x", .options, "unexpected argument x"),
        Bad("/acp reset-options --all", .resetOptions, "unknown flag --all"),
        Bad("/acp permissions", .permissions, "missing permission mode"),
        Bad("/acp permissions yolo", .permissions, "ask|approve-reads|approve-all|deny-all, not yolo"),
        Bad("/acp timeout", .timeout, "missing seconds"),
        Bad("/acp timeout 0", .timeout, "seconds must be a whole number from 1 to 604800, not 0"),
        Bad("/acp timeout soon", .timeout, "seconds must be a whole number from 1 to 604800, not soon"),
        Bad("/acp commands all", .commands, "unexpected argument all"),
        Bad("/acp bind a b", .bind, "unexpected argument b"),
        Bad("/acp bind a --persist=yes", .bind, "--persist takes no value"),
        Bad("/acp bind a --persist --persist", .bind, "--persist is given twice"),
        Bad("/acp unbind now", .unbind, "unexpected argument now"),
        Bad("/acp cancel a b", .cancel, "unexpected argument b"),
        Bad("/acp cancel --all", .cancel, "unknown flag --all"),
        Bad("/acp steer", .steer, "missing text"),
        Bad("/acp steer  \n ", .steer, "missing text"),
        Bad("/acp close a b", .close, "unexpected argument b"),
        Bad("/acp sessions --all", .sessions, "unknown flag --all"),
        Bad("/acp status a b", .status, "unexpected argument b"),
        Bad("/acp doctor x", .doctor, "unexpected argument x"),
        Bad("/acp approve", .approve, "missing pairing request id"),
        Bad("/acp deny a b", .deny, "unexpected argument b"),
        Bad("/acp allow", .allow, "missing request number"),
        Bad("/acp allow x", .allow, "not a request number: x"),
        Bad("/acp reject 0", .reject, "not a request number: 0"),
        Bad("/acp reject -1", .reject, "not a request number: -1"),
        Bad("/acp help me", .help, "unexpected argument me"),
        Bad("/auth", .auth, "missing secret"),
        Bad("/auth   ", .auth, "missing secret"),
        Bad("/lock now", .lock, "unexpected argument now"),
    ]

    @Test(arguments: bad)
    func rejects(_ c: Bad) throws {
        guard case .invalid(let name, let error) = CommandParser.parse(c.text) else {
            Issue.record("expected invalid, got \(CommandParser.parse(c.text))")
            return
        }
        #expect(name == c.name)
        #expect(error.code == .invalidArgument)
        #expect(error.message.hasSuffix(c.problem), "\(error.message)")
        if c.name != .help || c.problem.hasPrefix("unexpected") {
            #expect(error.hint == "usage: \(c.name.usage)")
        }
        #expect(error.chatText.hasPrefix("ERROR: ACP_INVALID_ARGUMENT: "))
    }

    @Test func errorMessagesNameTheCommand() {
        #expect(CommandParser.parse("/acp bind") == .invalid(.bind, ACPError(
            .invalidArgument, message: "/acp bind: missing session key or label",
            hint: "usage: /acp bind <session-key|label> [--persist]")))
        #expect(CommandParser.parse("/auth") == .invalid(.auth, ACPError(
            .invalidArgument, message: "/auth: missing secret", hint: "usage: /auth <secret>")))
    }

    @Test(arguments: [
        "hello there", "  indented text", "/compact", "/acpx spawn", "/ slash", "what about /acp spawn?",
        "/newline is not /new", "", "/Compact@AcpdBot now",
    ])
    func prompts(_ text: String) {
        #expect(CommandParser.parse(text, botUsername: "AcpdBot") == .prompt(text))
    }

    @Test func commandsForAnotherBotAreNotOurs() {
        #expect(CommandParser.parse("/acp@OtherBot spawn", botUsername: "AcpdBot") == .notAddressedToUs)
        #expect(CommandParser.parse("/new@OtherBot", botUsername: "@acpdbot") == .notAddressedToUs)
        #expect(CommandParser.parse("/compact@OtherBot", botUsername: "AcpdBot") == .notAddressedToUs)
        #expect(CommandParser.parse("/acp@AcpdBot", botUsername: "@ACPDBOT") == .command(.help))
        // Without an expected name every `@Bot` suffix is accepted.
        #expect(CommandParser.parse("/acp@AnyBot sessions") == .command(.sessions(SessionListOptions())))
    }

    @Test func everyCommandHasAParsableUsageExample() {
        // Each command name is reachable through the parser.
        var seen = Set<CommandName>()
        for c in Self.good { seen.insert(c.command.name) }
        #expect(seen == Set(CommandName.allCases))
    }
}
