import Foundation
import Testing
import TestSupport

/// `--log-format json` and `--log-level`: every stderr line of `acpd chat` is one JSON object with
/// time, level, label and message plus the record's metadata; the level filters.
@Suite("log format")
struct LogFormatTests {
    static func chat(_ options: [String], in dir: URL) async throws -> CLIRun {
        try await CLI.run(["chat"] + options, in: dir, stdin: "hello\n")
    }

    @Test("json: one object per line with the correlation fields; --log-level warning drops info; text stays text")
    func jsonLines() async throws {
        try await withTemporaryDirectory { dir in
            _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
            let run = try await Self.chat(["--log-format", "json", "--log-level", "debug"], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("echo: hello"), "\(run.stdout)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count > 3, "\(run.stderr)")
            var levels = Set<String>()
            for line in lines {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
                for key in ["time", "level", "label", "message"] { #expect(object[key] is String, "\(key) missing: \(line)") }
                levels.insert(object["level"] as? String ?? "")
            }
            #expect(levels.contains("debug") && levels.contains("info"), "\(levels)")
            #expect(run.stderr.contains("\"store\":\"\(dir.resolvingSymlinksInPath().path)/.acpd/acpd.sqlite\"")
                    || run.stderr.contains("\"store\":\"\(dir.path)/.acpd/acpd.sqlite\""), "metadata as fields: \(run.stderr)")

            let quiet = try await Self.chat(["--log-format", "json", "--log-level", "warning"], in: dir)
            #expect(!quiet.stderr.contains("\"level\":\"info\"") && !quiet.stderr.contains("\"level\":\"debug\""), "\(quiet.stderr)")
            let text = try await Self.chat(["--log-level", "info"], in: dir)
            #expect(text.stderr.contains("info acpd.chat") && !text.stderr.contains("{\"time\""), "\(text.stderr)")
            let bad = try await Self.chat(["--log-format", "xml"], in: dir)
            #expect(bad.status == 64 && bad.stderr.contains("expected text or json"), "\(bad.stderr)")
        }
    }

    @Test("the config's log section sets format and level; a line about a command carries channel, account, conversation, sender and command; one about a run, session and run; flags win")
    func configKeyAndCorrelation() async throws {
        try await withTemporaryDirectory { dir in
            _ = try await CLI.run(["init", "--agent", "demo"], in: dir)
            let config = dir.appendingPathComponent("acpd.yaml")
            try (String(contentsOf: config, encoding: .utf8) + "log: { format: json, level: debug }\n").write(to: config, atomically: true, encoding: .utf8)
            let run = try await CLI.run(["chat", "--conversation", "ops"], in: dir, stdin: "hello\n/acp status\n")
            #expect(run.status == 0, "\(run.stderr)")
            let objects = try run.stderr.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "not a JSON object of strings: \(line)")
            }
            let status = try #require(objects.first { $0["message"] == "command handled" && $0["command"] == "status" }, "\(run.stderr)")
            #expect(status["channel"] == "console" && status["account"] == "default" && status["conversation"] == "ops" && status["sender"] != nil
                    && status["result"] == "ok",
                    "\(status)")
            let ended = try #require(objects.first { $0["message"] == "run ended" }, "\(run.stderr)")
            #expect(ended["session"]?.hasPrefix("agent:demo:acp:") == true && ended["run"] != nil && ended["conversation"] == "ops", "\(ended)")
            #expect(objects.contains { $0["level"] == "debug" }, "log.level debug applies")

            let overridden = try await CLI.run(["chat", "--conversation", "ops", "--log-format", "text", "--log-level", "warning"], in: dir, stdin: "hello\n")
            #expect(!overridden.stderr.contains("{\"time\"") && !overridden.stderr.contains("debug"), "flags win: \(overridden.stderr)")

            try (String(contentsOf: config, encoding: .utf8) + "").replacingOccurrences(of: "format: json", with: "format: xml")
                .write(to: config, atomically: true, encoding: .utf8)
            let invalid = try await CLI.run(["config", "validate", "--config", config.path], in: dir)
            #expect(invalid.status != 0 && invalid.stdout.appending(invalid.stderr).contains("log.format"), "\(invalid.stdout)\(invalid.stderr)")
        }
    }
}
