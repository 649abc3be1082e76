import ArgumentParser

/// `acpd setup telegram|discord`: connect a chat account and bind a conversation to an agent
/// (docs/operations.md).
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Connect a Telegram or Discord bot and bind a chat to an agent.",
        subcommands: [SetupTelegramCommand.self, SetupDiscordCommand.self]
    )
}
