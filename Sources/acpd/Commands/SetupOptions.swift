import ArgumentParser

/// The options `acpd setup telegram` and `acpd setup discord` share.
struct SetupOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The account id under channels.<platform>.accounts.", valueName: "ID"))
    var account = "default"

    @Option(name: .long, help: ArgumentHelp("The bot token (default: the platform's variable, then the env file beside the config, then a prompt on a terminal).", valueName: "TOKEN"))
    var token: String?

    @Flag(name: .long, help: "Wait for the next message the bot sees and bind its conversation.")
    var bindNext = false

    @Option(name: .long, help: ArgumentHelp("The agent of the binding (default: acp.defaultAgent, else the first agent).", valueName: "ID"))
    var agent: String?

    @Option(name: .long, help: ArgumentHelp("The session cwd of a `type: acp` binding (absolute; default: the agent's cwd).", valueName: "PATH"))
    var cwd: String?

    @Flag(name: .long, help: "Write a `type: route` binding (a session per conversation on its first message) instead of `type: acp`.")
    var route = false

    @Flag(name: .long, help: "Add the message's sender to access.owners.")
    var ownerFromSender = false

    @Flag(name: .long, help: "Write the token into the config itself (made mode 0600) instead of ${VARIABLE} plus the env file. Not recommended: a config is often shared or committed.")
    var inlineToken = false

    @Flag(name: .long, help: "Write without asking.")
    var yes = false

    @Option(name: .long, help: ArgumentHelp("How long to wait for the message, in seconds.", valueName: "S"))
    var timeout = 300
}
