import ArgumentParser
import RuntimeBackends

/// The entry point: for the daemons (`acpd run`, `acpd chat`) the global executor first
/// (SwiftNIO's event loops), then the command line. The other commands are short-lived and some
/// wait on the terminal with a blocking read, which must not hold an event loop: they keep the
/// runtime's own pool.
@main
enum Entry {
    static func main() async {
        if let command = CommandLine.arguments.dropFirst().first, ["run", "chat"].contains(command) {
            GlobalExecutor.useEventLoops()
        }
        await ACPD.main()
    }
}

/// The `acpd` command line: the daemon and its operator tools.
struct ACPD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acpd",
        abstract: "Drive ACP coding agents from chat: one durable session per conversation.",
        version: ACPDVersion.current,
        subcommands: [RunCommand.self, ChatCommand.self, PromptCommand.self, ConfigCommand.self, DoctorCommand.self, SessionsCommand.self, BindingsCommand.self, StatusCommand.self, ChannelsCommand.self, PairingCommand.self, AuditCommand.self, InitCommand.self, SetupCommand.self, ServiceCommand.self]
    )
}

/// The version acpd reports (`--version`, ACP `clientInfo`).
enum ACPDVersion {
    static let current = "0.1.0"
}
