import Foundation
import Testing
import TestSupport

/// `acpd config validate|example|schema` through the binary: exit codes and output forms.
@Suite("acpd config")
struct ConfigCommandTests {
    @Test("the example validates; a broken file fails with every error and its path")
    func validate() async throws {
        try await withTemporaryDirectory { dir in
            let example = try await CLI.run(["config", "example"], in: dir)
            #expect(example.status == 0)
            let file = dir.appendingPathComponent("example.yaml")
            try example.stdout.write(to: file, atomically: true, encoding: .utf8)
            let variables = ["TELEGRAM_BOT_TOKEN": "1:x", "DISCORD_BOT_TOKEN": "d", "ACPD_SECRET": "s", "ACPD_API_TOKEN": "t"]
            let good = try await CLI.run(["config", "validate", "--config", file.path], in: dir, environment: variables)
            #expect(good.status == 0, "\(good.stdout)\(good.stderr)")

            let broken = dir.appendingPathComponent("broken.yaml")
            try """
            acp: { backend: carrier-pigeon }
            bindings:
              - type: acp
                agentId: ghost
                match: { channel: telegram, peer: { kind: group, id: "-100:topic:x" } }
            """.write(to: broken, atomically: true, encoding: .utf8)
            let bad = try await CLI.run(["config", "validate", "--config", broken.path, "--json"], in: dir)
            #expect(bad.status == 1)
            #expect(bad.stdout.contains("acp.backend"))
            #expect(bad.stdout.contains("bindings[0].agentId"))
            #expect(bad.stdout.contains("bindings[0].match.peer.id"))
            let json = try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8))
            #expect(json is [String: Any])
        }
    }

    @Test("a missing file is an error, not a silent default")
    func missingFile() async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["config", "validate", "--config", "nowhere.yaml"], in: dir)
            #expect(run.status == 1)
            #expect((run.stdout + run.stderr).contains("does not exist"))
        }
    }

    @Test("the schema is JSON")
    func schema() async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["config", "schema"], in: dir)
            #expect(run.status == 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(object["$schema"] != nil)
        }
    }
}

/// Issue 11, finding 9, through `acpd config validate`: only a literal loopback address may serve
/// the API without a token.
@Suite("acpd config validate: api.listen without a token")
struct ConfigLoopbackCommandTests {
    @Test(arguments: [
        ("127.0.0.1:7878", true), ("127.5.6.7:7878", true), ("[::1]:7878", true), ("localhost:7878", true),
        ("127.0.0.1.nip.io:7878", false), ("127.evil.example:7878", false), ("localhost.example.com:7878", false),
        ("0.0.0.0:7878", false), ("[::]:7878", false), ("10.0.0.1:7878", false), ("127.1:7878", false),
    ])
    func onlyLoopbackListensWithoutAToken(_ listen: String, _ loopback: Bool) async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("acpd.yaml")
            try "api: { listen: \"\(listen)\" }\n".write(to: file, atomically: true, encoding: .utf8)
            let run = try await CLI.run(["config", "validate", "--config", file.path], in: dir)
            if loopback {
                #expect(run.status == 0, "\(listen): \(run.stdout)\(run.stderr)")
            } else {
                #expect(run.status == 1, "\(listen) passed without a token")
                #expect((run.stdout + run.stderr).contains("api.token: required when api.listen (\(listen)) is not a loopback address"),
                        "\(run.stdout)\(run.stderr)")
            }
        }
    }
}
