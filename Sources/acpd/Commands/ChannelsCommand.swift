import ACPControlPlane
import ArgumentParser
import ChatCore
import JSONKit

/// `acpd channels [--json]`: each chat account's state (`starting|running|backoff|stopped|failed`),
/// since when, and its last error, as the running daemon reports them; without a daemon, the
/// accounts of the config, all `stopped`.
struct ChannelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels",
        abstract: "List the chat accounts (Telegram, Discord) with their state, since when, and last error.",
        discussion: "Asks the running daemon (its HTTP API); without one, lists the configured accounts. See docs/operations.md."
    )

    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let loaded = try config.loadOrExit()
        let (accounts, note) = await DaemonAPIClient.accounts(loaded.config)
        if json {
            print(StoreListing.json(["daemon": JSONValue(note == nil), "note": JSONValue(note),
                                     "channels": .array(accounts.map(APIResponses.account))]))
            return
        }
        if let note { print("\(note): configured accounts") }
        print(Self.table(accounts))
    }

    /// The accounts as an aligned table.
    static func table(_ accounts: [ChannelAccountStatus]) -> String {
        StoreListing.table(["ACCOUNT", "STATE", "SINCE", "LAST ERROR"],
                           accounts.map { [$0.name, $0.state.rawValue, StoreListing.time($0.since), $0.lastError ?? "-"] },
                           empty: "no chat accounts configured (channels.telegram / channels.discord)")
    }
}
