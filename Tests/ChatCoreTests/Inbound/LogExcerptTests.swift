@testable import Bindings
@testable import ChatCore
import Testing

/// `/acp logs`' reply: redacted lines, the filter on the redacted text, the tail, and the cut to
/// one message with a note of what was left out.
@Suite struct LogExcerptTests {
    static let redactor = Redactor(secrets: ["hunter2-secret"])
    static func reply(_ lines: [String], tail: Int = 50, grep: String? = nil, budget: Int = 4000) -> String {
        LogExcerpt.reply(lines: lines, tail: tail, grep: grep, budget: budget, redact: { redactor.redact($0) })
    }

    @Test func tailGrepAndRedaction() {
        let lines = (1...10).map { "line \($0)" } + ["token hunter2-secret here", "LINE 11 end"]
        #expect(Self.reply(lines, tail: 2) == "OK: acpd log, last 2 line(s)\ntoken [redacted] here\nLINE 11 end")
        #expect(Self.reply(lines, grep: "line 1") == "OK: acpd log, last 3 line(s) matching \"line 1\"\nline 1\nline 10\nLINE 11 end")
        #expect(Self.reply(lines, grep: "hunter2") == "OK: no log lines matching \"hunter2\"", "the filter sees redacted lines only")
        #expect(Self.reply([]) == "OK: no log lines")
    }

    @Test func theNewestLinesFitOneMessageAndTheRestIsCounted() {
        let lines = (1...100).map { "line \($0) " + String(repeating: "x", count: 80) }
        let reply = Self.reply(lines, tail: 100, budget: 1000)
        #expect(reply.utf16.count <= 1000)
        let shown = reply.split(separator: "\n").map(String.init)
        #expect(shown.first == "OK: acpd log, last 100 line(s)")
        #expect(shown.dropFirst().first?.hasPrefix("line ") == true)
        #expect(shown[shown.count - 2].hasPrefix("line 100 "), "the newest line is kept")
        let kept = shown.count - 2
        #expect(shown.last == "(\(100 - kept) earlier line(s) left out to fit one message; use --tail or --grep)")
    }

    @Test func aVeryLongLineIsCut() {
        let reply = Self.reply([String(repeating: "y", count: 5000)])
        #expect(reply == "OK: acpd log, last 1 line(s)\n" + String(repeating: "y", count: LogExcerpt.maxLineLength) + "…")
    }
}
