import ArgumentParser
import Bindings

/// `acpd setup telegram`: checks the bot token (`getMe`), warns about privacy mode, waits for the
/// next message the bot sees, and binds its chat or forum topic (docs/operations.md).
struct SetupTelegramCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telegram",
        abstract: "Check a Telegram bot token, then bind the chat or topic of the next message the bot sees.",
        discussion: """
        Get a token from @BotFather (/newbot). The token goes to acpd.env beside the config (mode
        0600) and the config reads it as ${TELEGRAM_BOT_TOKEN}. With --bind-next (or on a terminal),
        send any message in the chat or forum topic to bind; setup shows where it came from and
        adds a binding (type acp, or route with --route), and with --owner-from-sender its sender
        as owner. Stop `acpd run` first: two programs polling one bot get 409 Conflict.
        Non-interactive: --bind-next --agent ID --owner-from-sender --yes.
        """
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var options: SetupOptions

    @Option(name: .long, help: ArgumentHelp("The Bot API root (a local Bot API server, or a test fake).", valueName: "URL"))
    var apiRoot: String?

    func run() async throws {
        do {
            try await wizard()
        } catch {
            StandardStreams.error("setup telegram: \(error.description)\n")
            throw ExitCode(error.exitCode)
        }
    }

    private func wizard() async throws(SetupError) {
        let path = try SetupSupport.configPath(config.path)
        let variable = SetupSupport.tokenVariable("TELEGRAM_BOT_TOKEN", account: options.account)
        let token = try SetupSupport.token(options.token, variable: variable, configPath: path, what: "Telegram bot token from @BotFather")
        let plan = SetupPlan(configPath: path, channel: "telegram", accountId: options.account, accountBody: [], tokenVariable: variable, token: token,
                             inlineToken: options.inlineToken)
        let current = try SetupSupport.load(path, environment: plan.environment(EnvFile.beside(config: path)))
        if let existing = current.channels.telegram[options.account], existing.botToken.value != token {
            print("warning: channels.telegram.accounts.\(options.account) in the config has another token; it is kept (edit its botToken to change it)")
        }
        let root = apiRoot ?? current.channels.telegram[options.account]?.apiRoot ?? "https://api.telegram.org"
        try await SetupSupport.refuseIfDaemonUses(current, channel: "telegram", accountId: options.account)

        let http = SetupHTTP(token: token)
        let result: Result<Void, SetupError>
        do {
            try await steps(http: http, plan: plan, current: current, root: root)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        await http.shutdown()
        try result.get()
    }

    private func steps(http: SetupHTTP, plan: SetupPlan, current: ACPDConfig, root: String) async throws(SetupError) {
        var plan = plan
        let telegram = TelegramDiscovery(http: http, apiRoot: root, token: plan.token)
        let bot = try await telegram.getMe()
        print("bot: @\(bot.username) (id \(bot.id)): token ok")
        if !bot.readsAllGroupMessages {
            print("""
                warning: privacy mode is on: in groups the bot sees only /commands, replies to it and mentions.
                  fix: @BotFather → /setprivacy → @\(bot.username) → Disable (then remove and re-add the bot to each group),
                  or make the bot an admin of the group.
                """)
        }
        plan.accountBody = ["botToken: \"${\(plan.tokenVariable)}\""] + (root == "https://api.telegram.org" ? [] : ["apiRoot: \"\(root)\""])

        var found: TelegramDiscovery.Found?
        if options.bindNext || SetupSupport.confirm("Bind a chat now (you send a message there)?", yes: false) {
            let newestOld = try await telegram.newestWaiting()
            print("waiting up to \(options.timeout) s: send any message in the chat or forum topic you want to bind" +
                  (bot.readsAllGroupMessages ? "" : " (in a group: a /command or a reply to the bot)"))
            let next = try await telegram.next(after: newestOld, seconds: options.timeout)
            print("found a message:")
            for line in next.chat.description { print("  \(line)") }
            found = next
        }
        if let chat = found?.chat {
            if SetupSupport.isBound(chat, accountId: options.account, route: options.route, in: current) {
                print("already bound: telegram \(chat.conversationId) has a \(options.route ? "route" : "acp") binding on account \(options.account)")
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
        if let found {
            print(await telegram.consume(found)
                  ? "the message was marked read, so acpd will not take it as a prompt"
                  : "the message was left unread (older updates wait before it): acpd will handle it when it starts")
        }
        print(SetupSupport.nextSteps(configPath: plan.configPath))
    }
}
