@testable import Bindings
import Testing

@Suite struct ConfigValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var path: String
        var fragment: String
        var environment: [String: String] = [:]
        var testDescription: String { name }
    }

    static let telegramAcp = """
          - type: acp
            agentId: demo
            match: { channel: telegram, peer: { id: "-1001234567890:topic:42" } }
        """

    static let cases: [Case] = [
        Case(name: "unknown key deep inside a binding",
             yaml: minimalConfig(bindings: """
                  - type: acp
                    agentId: demo
                    match: { channel: telegram, peer: { idd: "-100123" } }
                """),
             path: "bindings[0].match.peer.idd", fragment: "unknown key (did you mean \"id\"?)"),
        Case(name: "unknown top-level key", yaml: "stateDirectory: /x\n", path: "stateDirectory", fragment: "did you mean \"stateDir\""),
        Case(name: "unknown key, no near match, lists allowed keys", yaml: "acp: { runtime: { zzz: 1 } }\n",
             path: "acp.runtime.zzz", fragment: "allowed keys: ttlMinutes"),
        Case(name: "wrong type: string for integer", yaml: "acp: { maxConcurrentSessions: many }\n",
             path: "acp.maxConcurrentSessions", fragment: "expected an integer from 1 to 10000, got a string"),
        Case(name: "wrong type: quoted integer", yaml: "acp: { turnTimeoutSeconds: \"30\" }\n",
             path: "acp.turnTimeoutSeconds", fragment: "got a quoted string"),
        Case(name: "wrong type: list for mapping", yaml: "acp: [1, 2]\n", path: "acp", fragment: "expected a mapping, got a list"),
        Case(name: "wrong type: integer for string", yaml: minimalConfig(extra: "acp: { defaultAgent: 42 }"),
             path: "acp.defaultAgent", fragment: "quote it"),
        Case(name: "out of range", yaml: "acp: { stream: { maxChunkChars: 5000 } }\n",
             path: "acp.stream.maxChunkChars", fragment: "expected an integer from 1 to 4096, got 5000"),
        Case(name: "api.maxConnections has a maximum", yaml: "api: { maxConnections: 100000 }\n",
             path: "api.maxConnections", fragment: "expected an integer from 1 to 4096, got 100000"),
        Case(name: "api.headerTimeoutSeconds has a maximum", yaml: "api: { headerTimeoutSeconds: 3600 }\n",
             path: "api.headerTimeoutSeconds", fragment: "expected an integer from 1 to 300, got 3600"),
        Case(name: "api.idleTimeoutSeconds is at least 1", yaml: "api: { idleTimeoutSeconds: 0 }\n",
             path: "api.idleTimeoutSeconds", fragment: "expected an integer from 1 to 3600, got 0"),
        Case(name: "bad enum value", yaml: "acp: { permissions: { mode: sometimes } }\n",
             path: "acp.permissions.mode", fragment: "expected one of ask | approve-reads | approve-all | deny-all, got \"sometimes\""),
        Case(name: "yes is not a boolean", yaml: "acp: { enabled: yes }\n", path: "acp.enabled", fragment: "expected true or false"),
        Case(name: "bad backend", yaml: "acp: { backend: grpc }\n", path: "acp.backend", fragment: "stdio | acpx"),
        Case(name: "bad Telegram conversation id",
             yaml: minimalConfig(bindings: """
                  - type: acp
                    agentId: demo
                    match: { channel: telegram, peer: { id: "-100abc:topic:4" } }
                """),
             path: "bindings[0].match.peer.id", fragment: "expected <chatId> (e.g. 123456789 or -1001234567890) or <chatId>:topic:<topicId>"),
        Case(name: "Discord channel: prefix",
             yaml: minimalConfig(bindings: """
                  - agentId: demo
                    match: { channel: discord, peer: { id: "channel:222222222222222222" } }
                """),
             path: "bindings[0].match.peer.id", fragment: "use the bare snowflake 222222222222222222"),
        Case(name: "acp binding without peer id",
             yaml: minimalConfig(bindings: """
                  - type: acp
                    agentId: demo
                    match: { channel: discord }
                """),
             path: "bindings[0].match.peer.id", fragment: "required for type: acp"),
        Case(name: "peer without id", yaml: minimalConfig(bindings: """
                  - agentId: demo
                    match: { channel: discord, peer: { kind: channel } }
                """),
             path: "bindings[0].match.peer.id", fragment: "required key is missing"),
        Case(name: "undeclared agent", yaml: minimalConfig(bindings: """
                  - agentId: claude
                    match: { channel: discord }
                """),
             path: "bindings[0].agentId", fragment: "agent \"claude\" is not declared under agents; expected one of: codex, demo"),
        Case(name: "agent not allowed", yaml: minimalConfig(bindings: """
                  - agentId: codex
                    match: { channel: discord }
                """, extra: "acp: { allowedAgents: [demo] }"),
             path: "bindings[0].agentId", fragment: "not in acp.allowedAgents"),
        Case(name: "two acp bindings for one conversation", yaml: minimalConfig(bindings: telegramAcp + "\n" + """
                  - type: acp
                    agentId: codex
                    match: { channel: telegram, accountId: default, peer: { kind: group, id: "-1001234567890:topic:42" } }
                """),
             path: "bindings[1].match", fragment: "as bindings[0]"),
        Case(name: "two channel-wide routes", yaml: minimalConfig(bindings: """
                  - agentId: demo
                    match: { channel: http }
                  - type: route
                    agentId: codex
                    match: { channel: http, accountId: default }
                """),
             path: "bindings[1].match", fragment: "no peer (channel-wide)"),
        Case(name: "binding cwd outside workspace roots",
             yaml: minimalConfig(bindings: telegramAcp + "\n    acp: { cwd: /etc/secret }",
                                 extra: "acp: { workspaceRoots: [/srv] }"),
             path: "bindings[0].acp.cwd", fragment: "/etc/secret lies outside acp.workspaceRoots"),
        Case(name: "sibling directory is not inside a root",
             yaml: minimalConfig(bindings: telegramAcp + "\n    acp: { cwd: /srv2/x }", extra: "acp: { workspaceRoots: [/srv] }"),
             path: "bindings[0].acp.cwd", fragment: "outside acp.workspaceRoots"),
        Case(name: "relative binding cwd", yaml: minimalConfig(bindings: telegramAcp + "\n    acp: { cwd: repo }"),
             path: "bindings[0].acp.cwd", fragment: "must be an absolute path (e.g. /srv/repo), got \"repo\""),
        Case(name: "agent cwd outside workspace roots",
             yaml: "acp: { workspaceRoots: [/srv] }\nagents: { a: { command: [x], cwd: /home/a } }\n",
             path: "agents.a.cwd", fragment: "/home/a lies outside acp.workspaceRoots"),
        Case(name: "agent without cwd defaults to the config directory, outside roots",
             yaml: "acp: { workspaceRoots: [/srv] }\nagents: { a: { command: [x] } }\n",
             path: "agents.a.cwd", fragment: "/etc/acpd (the config file's directory"),
        Case(name: "missing environment variable", yaml: "api: { token: \"${ACPD_TEST_UNSET_TOKEN}\" }\n",
             path: "api.token", fragment: "environment variable ACPD_TEST_UNSET_TOKEN is not set"),
        Case(name: "bad variable reference", yaml: "api: { token: \"${A-B}\" }\n", path: "api.token", fragment: "not a variable reference"),
        Case(name: "agent without command", yaml: "agents: { a: { cwd: /srv } }\n",
             path: "agents.a.command", fragment: "required key is missing"),
        Case(name: "empty command", yaml: "agents: { a: { command: [] } }\n", path: "agents.a.command", fragment: "at least 1 item"),
        Case(name: "bad agent id", yaml: "agents: { \"my agent\": { command: [x] } }\n",
             path: "agents[\"my agent\"]", fragment: "invalid name"),
        Case(name: "bad env name", yaml: "agents: { a: { command: [x], env: { \"1X\": y } } }\n",
             path: "agents.a.env.1X", fragment: "environment variable name"),
        Case(name: "label on a route", yaml: minimalConfig(bindings: """
                  - agentId: demo
                    match: { channel: http }
                    acp: { label: x }
                """),
             path: "bindings[0].acp.label", fragment: "only type: acp bindings have a label"),
        Case(name: "duplicate label", yaml: minimalConfig(bindings: telegramAcp + "\n    acp: { label: same }\n" + """
                  - type: acp
                    agentId: demo
                    match: { channel: http, peer: { id: chat-1 } }
                    acp: { label: same }
                """),
             path: "bindings[1].acp.label", fragment: "already used by bindings[0]"),
        Case(name: "undeclared allowed agent", yaml: minimalConfig(extra: "acp: { allowedAgents: [demo, ghost] }"),
             path: "acp.allowedAgents[1]", fragment: "agent \"ghost\" is not declared"),
        Case(name: "undeclared default agent", yaml: minimalConfig(extra: "acp: { defaultAgent: ghost }"),
             path: "acp.defaultAgent", fragment: "not declared"),
        Case(name: "default agent not allowed", yaml: minimalConfig(extra: "acp: { defaultAgent: codex, allowedAgents: [demo] }"),
             path: "acp.defaultAgent", fragment: "not in acp.allowedAgents"),
        Case(name: "bad sender shape", yaml: "access: { owners: [alice] }\n", path: "access.owners[0]", fragment: "<channel>:<senderId>"),
        Case(name: "bad Telegram sender id", yaml: "access: { allowFrom: [\"telegram:abc\"] }\n",
             path: "access.allowFrom[0]", fragment: "telegram:<user id>"),
        Case(name: "bad unknownSenders", yaml: "access: { unknownSenders: open }\n", path: "access.unknownSenders",
             fragment: "strict | request_approval | public"),
        Case(name: "public API without token", yaml: "api: { listen: \"0.0.0.0:7878\" }\n", path: "api.token",
             fragment: "required when api.listen"),
        Case(name: "bad listen address", yaml: "api: { listen: localhost }\n", path: "api.listen", fragment: "<host>:<port>"),
        Case(name: "port out of range", yaml: "api: { listen: \"127.0.0.1:70000\" }\n", path: "api.listen", fragment: "out of range"),
        Case(name: "undeclared Telegram account", yaml: minimalConfig(bindings: """
                  - agentId: demo
                    match: { channel: telegram, accountId: other }
                """, extra: "channels: { telegram: { accounts: { main: { botToken: t } } } }"),
             path: "bindings[0].match.accountId", fragment: "expected one of: main or *"),
        Case(name: "Telegram peer kind disagrees with id", yaml: minimalConfig(bindings: """
                  - type: acp
                    agentId: demo
                    match: { channel: telegram, peer: { kind: direct, id: "-100123" } }
                """),
             path: "bindings[0].match.peer.kind", fragment: "expected group or channel"),
        Case(name: "unknown channel", yaml: minimalConfig(bindings: """
                  - agentId: demo
                    match: { channel: slack }
                """),
             path: "bindings[0].match.channel", fragment: "telegram | discord | http | console"),
        Case(name: "missing match", yaml: minimalConfig(bindings: "  - agentId: demo"), path: "bindings[0].match",
             fragment: "required key is missing"),
        Case(name: "missing channel token", yaml: "channels: { discord: { accounts: { default: { apiBase: \"https://x\" } } } }\n",
             path: "channels.discord.accounts.default.botToken", fragment: "required key is missing"),
        Case(name: "bad applicationId", yaml: "channels: { discord: { accounts: { default: { botToken: t, applicationId: abc } } } }\n",
             path: "channels.discord.accounts.default.applicationId", fragment: "not a snowflake"),
        Case(name: "tilde path", yaml: "stateDir: ~/acpd\n", path: "stateDir", fragment: "~ is not expanded"),
        Case(name: "YAML syntax error", yaml: "acp: { enabled: true\n", path: "(root)", fragment: "not valid YAML"),
        Case(name: "duplicate key", yaml: "acp: { enabled: true }\nacp: { enabled: false }\n", path: "(root)", fragment: "duplicate key acp"),
        Case(name: "document is a list", yaml: "- a\n", path: "(root)", fragment: "expected a mapping, got a list"),
    ]

    @Test(arguments: cases)
    func eachRuleIsReportedWithItsPath(_ testCase: Case) {
        let issues = configIssues(testCase.yaml, environment: testCase.environment)
        let atPath = issues.filter { $0.path.description == testCase.path }
        #expect(!atPath.isEmpty, "no issue at \(testCase.path); got: \(issues.map(\.description))")
        #expect(atPath.contains { $0.message.contains(testCase.fragment) },
                "no issue at \(testCase.path) contains \(testCase.fragment.debugDescription); got: \(atPath.map(\.message))")
    }

    @Test func everyErrorOfAFileIsReportedAtOnceInDocumentOrder() {
        let yaml = """
            stateDir: 5
            acp:
              backend: grpc
              maxConcurrentSessions: 0
              permissions: { mode: sometimes }
            agents:
              demo: { command: [demo], cwd: /srv/demo, modee: oneshot }
            bindings:
              - type: acp
                agentId: demo
                match: { channel: telegram }
              - agentId: ghost
                match: { channel: discord, peer: { id: "channel:1" } }
              - type: acp
                agentId: demo
                match: { channel: http, peer: { id: "a b" } }
                acp: { cwd: relative/path }
            access: { owners: ["telegram:x"], unknownSenders: maybe }
            api: { token: "${ACPD_TEST_UNSET}" }
            """
        let issues = configIssues(yaml)
        let expected = [
            "stateDir", "acp.backend", "acp.maxConcurrentSessions", "acp.permissions.mode", "agents.demo.modee",
            "bindings[0].match.peer.id", "bindings[1].agentId", "bindings[1].match.peer.id", "bindings[2].match.peer.id",
            "bindings[2].acp.cwd", "access.owners[0]", "access.unknownSenders", "api.token",
        ]
        #expect(Set(issues.map(\.path.description)) == Set(expected), "\(issues.map(\.description))")
        #expect(issues.count == expected.count, "each mistake is reported once: \(issues.map(\.description))")
        let lines = issues.compactMap(\.line)
        #expect(lines.count == issues.count, "every issue has a line")
        #expect(lines == lines.sorted(), "issues are in document order")
        #expect(issues.first { $0.path.description == "bindings[1].agentId" }?.line == 12)
    }

    @Test func aBadBindingIsNeverSkippedSilently() {
        let yaml = minimalConfig(bindings: """
              - agentId: demo
                match: { channel: http }
              - agentId: demo
                match: { channel: discord, peer: { id: "nope" } }
            """)
        let issues = configIssues(yaml)
        #expect(issues.map(\.path.description) == ["bindings[1].match.peer.id"])
    }

    @Test func secretsAreNeverEchoed() {
        let issues = configIssues("api: { token: 12345678 }\naccess: { secret: \"\" }\n")
        #expect(!issues.isEmpty)
        #expect(issues.allSatisfy { !$0.description.contains("12345678") }, "\(issues)")
    }
}
