@testable import ChatCore
@testable import Bindings
import Foundation
import Testing

@Suite struct RedactorTests {
    static let redactor = Redactor(secrets: ["s3cr3t-shared", "apitoken-XYZ", "abc", ""])
    static let telegramToken = "123456789:AAHk3x_Zb9-QwErTyUiOpAsDfGhJkLzXcVb"
    static let discordToken = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123"

    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var output: String
        var testDescription: String { input.debugDescription }
        init(_ input: String, _ output: String) {
            self.input = input
            self.output = output
        }
    }

    @Test(arguments: [
        // Configured values, anywhere.
        Case("the secret is s3cr3t-shared!", "the secret is [redacted]!"),
        Case("apitoken-XYZapitoken-XYZ", "[redacted]"),
        // Bot tokens by shape.
        Case("token \(telegramToken) leaked", "token [redacted] leaked"),
        Case("https://api.telegram.org/bot\(telegramToken)/getMe", "https://api.telegram.org/bot[redacted]/getMe"),
        Case("Authorization: Bot \(discordToken)", "Authorization: Bot [redacted]"),
        Case("curl -H 'Authorization: Bearer abcdef123456.xyz'", "curl -H 'Authorization: Bearer [redacted]'"),
        // Env-like assignments.
        Case("OPENAI_API_KEY=sk-proj-abc123 python run.py", "OPENAI_API_KEY=[redacted] python run.py"),
        Case("export GITHUB_TOKEN=\"ghp_abcdef\"", "export GITHUB_TOKEN=\"[redacted]\""),
        Case("export GITHUB_TOKEN='ghp abc'\nnext", "export GITHUB_TOKEN='[redacted]'\nnext"),
        Case("FOO=bar AWS_SECRET_ACCESS_KEY=wJalr/K7MDENG", "FOO=bar AWS_SECRET_ACCESS_KEY=[redacted]"),
        Case("password: hunter2", "password: [redacted]"),
        Case("  db_password:   correct horse battery  \nuser: bob", "  db_password:   [redacted]  \nuser: bob"),
        Case("{\"apiKey\": \"abc123xyz\", \"model\": \"gpt\"}", "{\"apiKey\": \"[redacted]\", \"model\": \"gpt\"}"),
        Case("{apiKey: abc123xyz, model: gpt}", "{apiKey: [redacted], model: gpt}"),
        Case("clientSecret=zzz&state=1", "clientSecret=[redacted]"),
        Case("SECRET=a\nTOKEN=b\nKEY=c", "SECRET=[redacted]\nTOKEN=[redacted]\nKEY=[redacted]"),
        Case("private-key: ----BEGIN", "private-key: [redacted]"),
    ])
    func redacts(_ c: Case) {
        #expect(Self.redactor.redact(c.input) == c.output)
    }

    @Test(arguments: [
        "my keyboard is broken",
        "keyboard: qwerty",
        "monkey=banana",
        "max_tokens: 4096",
        "tokens: 1500 used",
        "A token bucket refills at a fixed rate; each token lets one message through.",
        "The secret to good tests is determinism.",
        "Keys and tokens are redacted before sending.",
        "if token == nil { return }",
        "let apiKey: String = load()",
        "def f(password: str) -> None:",
        "token: ${ACPD_API_TOKEN}",
        "OPENAI_API_KEY=$OPENAI_API_KEY",
        "api_key: <your key>",
        "std::string key::value",
        "abc is too short to match literally: abc",
        "12345:short",
        "version 1.2.3 and example.com.au",
        "",
        "déjà vu — ключ: значение 🔑",
    ])
    func leavesAlone(_ text: String) {
        #expect(Self.redactor.redact(text) == text)
    }

    @Test func configSecretsAreCollected() throws {
        let yaml = """
            agents:
              demo: { command: [demo], cwd: /srv/demo, env: { ANTHROPIC_API_KEY: "agent-key-value-5", LOG_LEVEL: debug } }
            channels:
              telegram: { accounts: { default: { botToken: "tg-token-value-1" } } }
              discord: { accounts: { default: { botToken: "dc-token-value-2" } } }
            access: { secret: "shared-secret-3" }
            api: { token: "api-token-value-4" }
            """
        let config = try ConfigLoader.parse(yaml, baseDirectory: "/etc/acpd", environment: [:])
        let redactor = Redactor(config: config)
        let text = "tg-token-value-1 dc-token-value-2 shared-secret-3 api-token-value-4 agent-key-value-5 debug fine"
        #expect(redactor.redact(text) == "[redacted] [redacted] [redacted] [redacted] [redacted] debug fine")
    }

    @Test func overlappingMatchesBecomeOnePlaceholder() {
        let redactor = Redactor(secrets: ["hunter2hunter2", "2hunt"])
        #expect(redactor.redact("x hunter2hunter2 y") == "x [redacted] y")
        #expect(redactor.redact("password: hunter2hunter2") == "password: [redacted]")
    }

    @Test func longTextStaysLinear() {
        // Adversarial runs for every pattern; a quadratic scan would take far longer than the deadline.
        let runs = [
            String(repeating: "a-", count: 50_000),
            String(repeating: "1", count: 100_000) + ":",
            String(repeating: "x", count: 100_000) + ".",
            String(repeating: "key=", count: 25_000),
            String(repeating: "token: a, ", count: 10_000),
        ]
        let clock = ContinuousClock()
        for run in runs {
            let elapsed = clock.measure { _ = Self.redactor.redact(run) }
            #expect(elapsed < .seconds(5), "\(run.prefix(12))… took \(elapsed)")
        }
        let text = String(repeating: "ordinary prose line with nothing secret\n", count: 2_000) + "TOKEN=abc"
        #expect(Self.redactor.redact(text).hasSuffix("TOKEN=[redacted]"))
    }
}
