import JSONKit
import ACPControlPlane
import ArgumentParser
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `acpd status`: a summary of the store (path, schema, sessions by state, bindings, live runs,
/// pending pairing requests with their ids), read-only; works while `acpd run` is up. Also each
/// chat account's state, from the running daemon (`acpd channels`), else from the config.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarise the store (sessions by state, bindings, live runs, pending pairing requests, schema) and the chat accounts.",
        discussion: "See docs/operations.md."
    )

    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let loaded = try config.loadOrExit()
        let (accounts, accountsNote) = await DaemonAPIClient.accounts(loaded.config)
        let store = try StoreListing.open(configOption: config.path)
        defer { try? store.close() }
        let version = try store.schemaVersion()
        let counts = try store.sessionCounts()
        let open = try store.sessions(states: [.creating, .idle, .running, .cancelling, .error])
        let liveRuns = try open.reduce(0) { total, session in total + (try store.activeRuns(session: session.key)).count }
        let bindings = try store.bindings(activeOnly: true)
        let stale = try store.staleBindings().count
        let pairing = try store.pairingRequests(state: .pending)
        let size = try store.size()
        var bySource: [String: Int] = [:]
        for binding in bindings { bySource[binding.source.rawValue, default: 0] += 1 }
        let states = SessionState.allCases.map(\.rawValue)
        let countOf = { (name: String) in counts.first { $0.key.rawValue == name }?.value ?? 0 }
        if json {
            print(StoreListing.json([
                "store": JSONValue(store.path), "schemaVersion": JSONValue(version),
                "supportedSchemaVersion": JSONValue(ControlPlaneStore.supportedSchemaVersion),
                "storeSize": ["fileBytes": .int(size.fileBytes), "walBytes": .int(size.walBytes),
                              "freeBytes": .int(Int64(size.freePages * size.pageSize))],
                "sessions": JSONValue(Dictionary(uniqueKeysWithValues: states.map { ($0, JSONValue(countOf($0))) })),
                "bindings": JSONValue(bySource.mapValues(JSONValue.init)), "staleBindings": JSONValue(stale), "liveRuns": JSONValue(liveRuns),
                "pendingPairingRequests": .array(pairing.map { request -> JSONValue in
                    ["id": .int(request.id), "sender": JSONValue("\(request.channel.rawValue):\(request.senderId)"),
                     "conversation": JSONValue(request.conversationId), "createdAt": JSONValue(request.createdAt.formatted(.iso8601))]
                }),
                "channels": .array(accounts.map(APIResponses.account)), "daemon": JSONValue(accountsNote == nil),
            ] as JSONValue))
            return
        }
        let total = counts.values.reduce(0, +)
        let schemaNote = version == ControlPlaneStore.supportedSchemaVersion ? "current" : "this acpd supports \(ControlPlaneStore.supportedSchemaVersion)"
        print("store: \(store.path) (schema \(version), \(schemaNote))")
        print("store size: \(Self.mebibytes(size.fileBytes)) + WAL \(Self.mebibytes(size.walBytes))"
              + " (\(Self.mebibytes(Int64(size.freePages * size.pageSize))) of the file free, given back by retention)")
        print("sessions: \(total) (" + states.map { "\($0) \(countOf($0))" }.joined(separator: ", ") + ")")
        let sources = BindingSource.allCases.map { "\($0.rawValue) \(bySource[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        print("bindings: \(bindings.count) active (\(sources))" + (stale > 0 ? ", \(stale) stale (see `acpd doctor`)" : ""))
        print("live runs: \(liveRuns)")
        print("pending pairing requests: \(pairing.count)" + (pairing.isEmpty ? "" : " (answer in chat: /acp approve <id> or /acp deny <id>, or: acpd pairing approve|deny <id>)"))
        for request in pairing {
            print("  #\(request.id) \(request.channel.rawValue):\(request.senderId)"
                  + (request.conversationId.map { " in \($0)" } ?? "") + ", since \(request.createdAt.formatted(.iso8601))")
        }
        print("chat accounts: \(accounts.count)" + (accountsNote.map { " (\($0))" } ?? ""))
        for account in accounts {
            print("  \(account.name) \(account.state.rawValue) since \(StoreListing.time(account.since))"
                  + (account.lastError.map { ": \($0)" } ?? ""))
        }
    }

    /// Bytes as MiB with one decimal.
    static func mebibytes(_ bytes: Int64) -> String {
        let tenths = (bytes * 10 + 524_288) / 1_048_576
        return "\(tenths / 10).\(tenths % 10) MiB"
    }
}
