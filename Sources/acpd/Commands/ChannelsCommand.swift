import ACPControlPlane
import ArgumentParser
import Bindings
import ChatCore
import JSONKit

/// `acpd channels [--json]`: each chat account's state (`starting|running|backoff|stopped|failed`),
/// since when, and its last error, as the running daemon reports them; without a daemon, the
/// accounts of the config, all `stopped`. `acpd channels start|stop|restart <channel>:<account>`
/// asks the running daemon (`POST /v1/channels/{channel}/{account}/{action}`, `ChannelControl`).
struct ChannelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels",
        abstract: "List the chat accounts (Telegram, Discord) with their state, since when, and last error.",
        discussion: "Asks the running daemon (its HTTP API); without one, lists the configured accounts. `acpd channels start|stop|restart telegram:default` starts, stops or restarts one account of the running daemon. See docs/operations.md."
    )

    @Argument(help: ArgumentHelp("start, stop or restart (omit to list).", valueName: "action"))
    var action: String?

    @Argument(help: ArgumentHelp("The account, <channel>:<account> (telegram:default).", valueName: "channel:account"))
    var target: String?

    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let loaded = try config.loadOrExit()
        if let action {
            try await control(action, loaded.config)
            return
        }
        let (accounts, note) = await DaemonAPIClient.accounts(loaded.config)
        if json {
            print(StoreListing.json(["daemon": JSONValue(note == nil), "note": JSONValue(note),
                                     "channels": .array(accounts.map(APIResponses.account))]))
            return
        }
        if let note { print("\(note): configured accounts") }
        print(Self.table(accounts))
    }

    /// Performs `action` on `target` through the running daemon; exits 1 when it cannot.
    private func control(_ raw: String, _ config: ACPDConfig) async throws {
        guard let action = ChannelControl.Action(rawValue: raw) else {
            StandardStreams.error("the action is start, stop or restart, not \(raw)\n")
            throw ExitCode(2)
        }
        guard let target, let colon = target.firstIndex(of: ":"), colon != target.startIndex, target.index(after: colon) != target.endIndex else {
            StandardStreams.error("name the account as <channel>:<account>, e.g. telegram:default\n")
            throw ExitCode(2)
        }
        let channel = String(target[..<colon]), account = String(target[target.index(after: colon)...])
        switch await DaemonAPIClient.control(config, action: action.rawValue, channel: channel, account: account) {
        case .success(let status):
            if json {
                print(StoreListing.json(["action": JSONValue(action.rawValue), "channel": status.map(APIResponses.account) ?? .null]))
            } else {
                print("\(action.rawValue): \(target) is \(status?.state.rawValue ?? "unknown")" + (status?.lastError.map { " (\($0))" } ?? ""))
            }
        case .failure(let why):
            StandardStreams.error("\(why.reason)\n")
            throw ExitCode(1)
        }
    }

    /// The accounts as an aligned table.
    static func table(_ accounts: [ChannelAccountStatus]) -> String {
        StoreListing.table(["ACCOUNT", "STATE", "SINCE", "LAST ERROR"],
                           accounts.map { [$0.name, $0.state.rawValue, StoreListing.time($0.since), $0.lastError ?? "-"] },
                           empty: "no chat accounts configured (channels.telegram / channels.discord)")
    }
}
