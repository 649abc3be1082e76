import ArgumentParser
import Bindings
import ChatDiscord

/// `acpd setup discord`: checks the bot token (`/users/@me`), reads the application id, prints
/// the invite URL, checks the Message Content intent with a short gateway connection, and binds
/// the channel or thread of the next message the bot sees (docs/operations.md).
struct SetupDiscordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discord",
        abstract: "Check a Discord bot token and intents, print the invite URL, then bind the channel or thread of the next message.",
        discussion: """
        Make an application with a bot in the Discord developer portal, copy its token and enable
        Bot → Privileged Gateway Intents → Message Content Intent. The token goes to acpd.env beside
        the config (mode 0600) and the config reads it as ${DISCORD_BOT_TOKEN}. With --bind-next
        (or on a terminal), send any message in the channel or thread to bind.
        Non-interactive: --bind-next --agent ID --owner-from-sender --yes.
        """
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var options: SetupOptions

    @Option(name: .long, help: ArgumentHelp("The REST API base (a test fake).", valueName: "URL"))
    var apiBase: String?

    func run() async throws {
        do {
            try await wizard()
        } catch {
            StandardStreams.error("setup discord: \(error.description)\n")
            throw ExitCode(error.exitCode)
        }
    }

    private func wizard() async throws(SetupError) {
        let path = try SetupSupport.configPath(config.path)
        let variable = SetupSupport.tokenVariable("DISCORD_BOT_TOKEN", account: options.account)
        let token = try SetupSupport.token(options.token, variable: variable, configPath: path, what: "Discord bot token (developer portal → Bot → Reset Token)")
        let plan = SetupPlan(configPath: path, channel: "discord", accountId: options.account, accountBody: [], tokenVariable: variable, token: token,
                             inlineToken: options.inlineToken)
        let current = try SetupSupport.load(path, environment: plan.environment(EnvFile.beside(config: path)))
        if let existing = current.channels.discord[options.account], existing.botToken.value != token {
            print("warning: channels.discord.accounts.\(options.account) in the config has another token; it is kept (edit its botToken to change it)")
        }
        let base = apiBase ?? current.channels.discord[options.account]?.apiBase ?? "https://discord.com/api/v10"
        let client = DiscordREST.makeHTTPClient()
        let rest = DiscordREST(apiBase: base, token: token, client: client, requestTimeout: .seconds(15), maxWait: .seconds(5))
        let result: Result<Void, SetupError>
        do {
            try await steps(DiscordDiscovery(rest: rest, token: token), plan: plan, current: current, base: base)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        try result.get()
    }

    private func steps(_ discord: DiscordDiscovery, plan: SetupPlan, current: ACPDConfig, base: String) async throws(SetupError) {
        var plan = plan
        let bot = try await discord.bot()
        print("bot: \(bot.username) (id \(bot.id)), application \(bot.applicationId): token ok")
        print("invite it to your server (scopes bot + applications.commands; permissions "
              + DiscordInvite.permissions.map(\.name).joined(separator: ", ") + "):")
        print("  \(DiscordInvite.url(applicationId: bot.applicationId))")
        plan.accountBody = ["botToken: \"${\(plan.tokenVariable)}\"", "applicationId: \"\(bot.applicationId)\""]
            + (base == "https://discord.com/api/v10" ? [] : ["apiBase: \"\(base)\""])

        var found: DiscoveredChat?
        if options.bindNext || SetupSupport.confirm("Bind a channel now (you send a message there)?", yes: false) {
            print("connecting to the gateway (checks the Message Content intent)…")
            let timeout = options.timeout
            let chat = try await discord.next(seconds: timeout) {
                print("connected: the Message Content intent is allowed")
                print("waiting up to \(timeout) s: send any message in the channel or thread you want to bind")
            }
            print("found a message:")
            for line in chat.description { print("  \(line)") }
            found = chat
        }
        if let chat = found {
            if SetupSupport.isBound(chat, accountId: options.account, route: options.route, in: current) {
                print("already bound: discord \(chat.conversationId) has a \(options.route ? "route" : "acp") binding on account \(options.account)")
            } else {
                let agent = try SetupSupport.agent(options.agent, in: current)
                plan.binding = SetupSupport.binding(chat, accountId: options.account, agent: agent, route: options.route, cwd: options.cwd)
            }
            if let sender = chat.sender {
                if options.ownerFromSender || SetupSupport.confirm("Add the sender (\(sender)) as owner?", yes: false, defaultYes: false) {
                    plan.owner = sender
                }
            } else if options.ownerFromSender {
                print("the message names no sender (a channel post): no owner added")
            }
        }
        guard SetupSupport.confirm("Write \(plan.configPath)?", yes: options.yes) else {
            print("nothing written (pass --yes to write without asking)")
            return
        }
        for note in try plan.apply() { print(note) }
        print(SetupSupport.nextSteps(configPath: plan.configPath))
    }
}
