import JSONKit
import ACPControlPlane
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `acpd sessions`: the store's sessions (newest activity first), read-only; works while
/// `acpd run` is up.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List the sessions in the store (read-only; works while acpd run is up).",
        discussion: "Columns: key, label, agent, state, binding (source:conversation), last activity. See docs/operations.md."
    )

    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Print JSON: {\"sessions\": [...]}.")
    var json = false

    @Flag(name: .long, help: "Include closed sessions.")
    var all = false

    func run() throws {
        let store = try StoreListing.open(configOption: config.path)
        defer { try? store.close() }
        let states: Set<SessionState>? = all ? nil : Set(SessionState.allCases).subtracting([.closed])
        let sessions = try store.sessions(states: states).sorted { $0.lastActivityAt > $1.lastActivityAt }
        var bound: [SessionKey: [BindingRecord]] = [:]
        for binding in try store.bindings(activeOnly: true) { bound[binding.sessionKey, default: []].append(binding) }
        let describe = { (key: SessionKey) in
            (bound[key] ?? []).map { "\($0.source.rawValue):\($0.conversation.canonical)" }
        }
        if json {
            print(StoreListing.json(["sessions": .array(sessions.map { session -> JSONValue in
                [
                    "key": JSONValue(session.key.rawValue), "label": JSONValue(session.label), "agent": JSONValue(session.agentId),
                    "state": JSONValue(session.state.rawValue), "mode": JSONValue(session.mode.rawValue), "backend": JSONValue(session.backend),
                    "cwd": JSONValue(session.cwd), "bindings": JSONValue(describe(session.key)),
                    "lastActivityAt": StoreListing.jsonTime(session.lastActivityAt),
                    "lastErrorCode": JSONValue(session.lastErrorCode?.rawValue),
                ]
            })]))
            return
        }
        let rows = sessions.map { session in
            [session.key.rawValue, session.label ?? "-", session.agentId, session.state.rawValue,
             describe(session.key).joined(separator: ", ").nonEmpty ?? "-", StoreListing.time(session.lastActivityAt)]
        }
        print(StoreListing.table(["KEY", "LABEL", "AGENT", "STATE", "BINDING", "LAST ACTIVITY"], rows,
                                 empty: all ? "no sessions" : "no open sessions (--all includes closed ones)"))
    }
}

extension String {
    /// nil when empty.
    var nonEmpty: String? { isEmpty ? nil : self }
}
