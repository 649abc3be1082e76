import ACPControlPlane
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONKit

/// `acpd audit [--since DURATION] [--sender S] [--json]`: the audit log (commands, permission and
/// pairing decisions), newest first, read-only from the store; works while `acpd run` is up.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: every chat command (also refused ones) and every permission or pairing decision.",
        discussion: "Newest first. Kept audit.retentionDays (default 90). See docs/operations.md."
    )

    @OptionGroup var config: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("Only entries of the last DURATION (90s, 15m, 24h, 7d).", valueName: "DURATION"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Only entries of this sender (telegram:555, cli:alice, api).", valueName: "S"))
    var sender: String?

    @Option(name: .long, help: "At most this many entries.")
    var limit = 200

    @Flag(name: .long, help: "Print JSON: {\"entries\": [...]}.")
    var json = false

    func run() throws {
        var from: Date?
        if let since {
            guard let seconds = AuditDuration.seconds(since) else {
                StandardStreams.error("--since is a duration such as 90s, 15m, 24h or 7d\n")
                throw ExitCode(2)
            }
            from = Date().addingTimeInterval(-seconds)
        }
        let store = try StoreListing.open(configOption: config.path)
        defer { try? store.close() }
        let entries = try store.auditEntries(since: from, sender: sender, limit: max(1, limit))
        if json {
            print(StoreListing.json(["entries": .array(entries.map(AuditListing.entry))]))
            return
        }
        print(StoreListing.table(["TIME", "SENDER", "WHERE", "COMMAND", "RESULT", "SESSION", "RUN", "DETAIL"], entries.map { entry in
            [StoreListing.time(entry.at), entry.sender,
             [entry.channel, entry.accountId, entry.conversationId].compactMap { $0 }.joined(separator: ":"),
             entry.command, entry.result, entry.sessionKey ?? "-", entry.runId ?? "-", entry.detail ?? "-"]
        }, empty: "no audit entries"))
    }
}
