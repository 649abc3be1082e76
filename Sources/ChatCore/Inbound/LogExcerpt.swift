import Bindings

/// The reply of `/acp logs`: the last lines of acpd's log, each redacted, filtered, cut to fit one
/// message of the channel. Pure: the router hands it the lines, the redactor and the budget.
enum LogExcerpt {
    /// The longest log line shown whole; a longer one is cut and ends with `…`.
    static let maxLineLength = 600

    /// `OK: acpd log, last N line(s)[ matching "grep"]` and the lines, oldest first: the last
    /// `tail` of `lines` (redacted) that contain `grep` (case-insensitive, matched on the redacted
    /// line), newest first into `budget` UTF-16 units; a closing line says how many older ones were
    /// left out. `OK: no log lines[ matching …]` when none match.
    static func reply(lines: [String], tail: Int, grep: String?, budget: Int, redact: (String) -> String) -> String {
        let all = lines.map(redact)
        let matching = grep.map { needle in all.filter { $0.lowercased().contains(needle.lowercased()) } } ?? all
        let wanted = Array(matching.suffix(max(1, tail)))
        let what = grep.map { " matching \"\($0.prefix(60))\"" } ?? ""
        guard !wanted.isEmpty else { return ChatReply.ok("no log lines\(what)") }
        let header = ChatReply.ok("acpd log, last \(wanted.count) line(s)\(what)")
        let noteRoom = 100
        var used = header.utf16.count + noteRoom
        var kept: [String] = []
        for line in wanted.reversed() {
            let shown = line.count > maxLineLength ? String(line.prefix(maxLineLength)) + "…" : line
            let cost = shown.utf16.count + 1
            if used + cost > budget { break }
            used += cost
            kept.append(shown)
        }
        var reply = [header] + kept.reversed()
        if kept.count < wanted.count {
            reply.append("(\(wanted.count - kept.count) earlier line(s) left out to fit one message; use --tail or --grep)")
        }
        return reply.joined(separator: "\n")
    }
}
