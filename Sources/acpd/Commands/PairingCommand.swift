import ACPControlPlane
import ArgumentParser
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONKit

/// `acpd pairing [list] [--json]`, `acpd pairing approve <id> [--role operator|member]`,
/// `acpd pairing deny <id>`, `acpd pairing revoke <channel>:<id>`: pairing requests and approved
/// senders, worked on in the store with or without a running daemon. A running daemon polls the
/// store and tells the sender the decision within a few seconds (`PairingNoticeService`); without
/// one, the sender is told when `acpd run` next starts.
struct PairingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairing",
        abstract: "List, approve, deny or revoke pairing requests of unknown senders (access.unknownSenders: request_approval).",
        discussion: "Works on the store with or without a running daemon; a running daemon tells the sender within a few seconds. See docs/operations.md.",
        subcommands: [List.self, Approve.self, Deny.self, Revoke.self],
        defaultSubcommand: List.self
    )

    /// Who decided, for the store and the audit log: `cli:<login>`.
    static var decider: String { "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "unknown")" }

    /// Opens the store for writing (creating or migrating it like `acpd run` would), or exits 1 with why not.
    static func openForWriting(_ options: ConfigOptions) throws -> ControlPlaneStore {
        let loaded = try options.loadOrExit()
        do { return try ControlPlaneStore.open(stateDir: URL(fileURLWithPath: loaded.config.stateDir)) } catch {
            StandardStreams.error("\(error)\n")
            throw ExitCode(1)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List pairing requests and approved senders.")

        @OptionGroup var config: ConfigOptions

        @Flag(name: .long, help: "Print JSON: {\"requests\": [...], \"approved\": [...]}.")
        var json = false

        func run() async throws {
            let store = try StoreListing.open(configOption: config.path)
            defer { try? store.close() }
            if json {
                print(StoreListing.json(try PairingListing.json(store)))
                return
            }
            let requests = try store.pairingRequests(state: nil)
            print(StoreListing.table(["ID", "SENDER", "CONVERSATION", "STATE", "ROLE", "SINCE"], requests.map { request in
                [String(request.id), "\(request.channel.rawValue):\(request.senderId)", request.conversationId ?? "-",
                 request.state.rawValue, request.role?.rawValue ?? "-", StoreListing.time(request.createdAt)]
            }, empty: "no pairing requests"))
            let approved = try store.approvedSenders()
            print("")
            print(StoreListing.table(["APPROVED SENDER", "ROLE", "BY", "SINCE"], approved.map { sender in
                [sender.sender, sender.role.rawValue, sender.approvedBy, StoreListing.time(sender.approvedAt)]
            }, empty: "no approved senders"))
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a pending pairing request.")

        @OptionGroup var config: ConfigOptions

        @Argument(help: "The request id (see `acpd pairing`).")
        var id: Int64

        @Option(name: .long, help: "operator (joins the allowlist) or member (prompts and bound commands only).")
        var role: String = "operator"

        func run() async throws {
            guard let role = SenderRole(rawValue: role.lowercased()) else {
                StandardStreams.error("--role must be operator or member\n")
                throw ExitCode(2)
            }
            try PairingCommand.decide(id, approve: true, role: role, config)
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deny", abstract: "Deny a pending pairing request.")

        @OptionGroup var config: ConfigOptions

        @Argument(help: "The request id (see `acpd pairing`).")
        var id: Int64

        func run() async throws {
            try PairingCommand.decide(id, approve: false, role: .operator, config)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke",
                                                        abstract: "Take an approved sender's access back (its next message makes a new request).")

        @OptionGroup var config: ConfigOptions

        @Argument(help: "The sender, <channel>:<id> (telegram:555).")
        var sender: String

        func run() async throws {
            guard let colon = sender.firstIndex(of: ":"), colon != sender.startIndex, sender.index(after: colon) != sender.endIndex else {
                StandardStreams.error("the sender is <channel>:<id>, e.g. telegram:555\n")
                throw ExitCode(2)
            }
            let channel = ConversationRef.Channel(String(sender[..<colon]))
            let id = String(sender[sender.index(after: colon)...])
            let store = try PairingCommand.openForWriting(config)
            defer { try? store.close() }
            let audit = AuditEntry(channel: "cli", sender: PairingCommand.decider, command: "revoke", result: "ok")
            guard let removed = try store.revokeSender(channel: channel, senderId: id, audit: audit) else {
                StandardStreams.error("\(sender) is not an approved sender (see `acpd pairing`)\n")
                throw ExitCode(1)
            }
            print("revoked \(removed.sender) (was \(removed.role.rawValue))")
        }
    }

    static func decide(_ id: Int64, approve: Bool, role: SenderRole, _ options: ConfigOptions) throws {
        let store = try openForWriting(options)
        defer { try? store.close() }
        let audit = AuditEntry(channel: "cli", sender: decider, command: approve ? "approve" : "deny", result: "ok")
        guard let request = try store.decidePairing(id: id, approve: approve, role: role, by: decider, audit: audit) else {
            StandardStreams.error("no pending pairing request \(id) (see `acpd pairing`)\n")
            throw ExitCode(1)
        }
        let who = "\(request.channel.rawValue):\(request.senderId)"
        print(approve ? "approved \(who) as \(role.rawValue)" : "denied \(who)")
    }
}
