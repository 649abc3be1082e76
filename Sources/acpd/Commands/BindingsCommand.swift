import JSONKit
import ACPControlPlane
import ArgumentParser
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `acpd bindings`: the store's active bindings, with stale ones marked, read-only.
struct BindingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bindings",
        abstract: "List the active bindings in the store (read-only; works while acpd run is up).",
        discussion: "Columns: source, conversation, session, expiry, and STALE when the session is missing or closed. See docs/operations.md."
    )

    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Print JSON: {\"bindings\": [...]}.")
    var json = false

    func run() throws {
        let store = try StoreListing.open(configOption: config.path)
        defer { try? store.close() }
        let rows = try store.activeBindingsWithSessions(sources: Set(BindingSource.allCases))
        let stale = { (session: SessionRecord?) -> String? in
            guard let session else { return StaleReason.sessionMissing.rawValue }
            return session.state == .closed ? StaleReason.sessionClosed.rawValue : nil
        }
        if json {
            print(StoreListing.json(["bindings": .array(rows.map { row -> JSONValue in
                [
                    "source": JSONValue(row.binding.source.rawValue), "conversation": JSONValue(row.binding.conversation.canonical),
                    "session": JSONValue(row.binding.sessionKey.rawValue), "persist": JSONValue(row.binding.persist),
                    "expiresAt": StoreListing.jsonTime(row.binding.expiresAt),
                    "lastActivityAt": StoreListing.jsonTime(row.binding.lastActivityAt),
                    "stale": JSONValue(stale(row.session)),
                ]
            })]))
            return
        }
        let table = rows.map { row in
            [row.binding.source.rawValue, row.binding.conversation.canonical, row.binding.sessionKey.rawValue,
             expiry(row.binding), stale(row.session).map { "STALE (\($0))" } ?? "ok"]
        }
        print(StoreListing.table(["SOURCE", "CONVERSATION", "SESSION", "EXPIRY", "STATUS"], table, empty: "no active bindings"))
    }

    private func expiry(_ binding: BindingRecord) -> String {
        if let expires = binding.expiresAt { return StoreListing.time(expires) }
        return binding.source == .runtime && !binding.persist ? "idle rule" : "never"
    }
}
