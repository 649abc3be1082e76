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
}
