import AsyncHTTPClient
import Bindings
import ChatDiscord
import JSONKit

/// Doctor's further checks of one Discord account whose token works: the gateway is reachable
/// (`GET /gateway/bot`, with its session start limit), the application id in config is the bot's
/// (`GET /oauth2/applications/@me`), and a short test connection is accepted with acpd's intents
/// (a 4014 names the Message Content intent and where to enable it). Tokens never appear in the output.
struct DiscordChecks: Sendable {
    let id: String
    let account: ChannelsConfig.DiscordAccount
    /// How long the test connection may take.
    var probeTimeout: Duration = .seconds(10)

    func run() async -> [DoctorCheck] {
        let client = DiscordREST.makeHTTPClient()
        let rest = DiscordREST(apiBase: account.apiBase, token: account.botToken.value, client: client, requestTimeout: .seconds(10), maxWait: .seconds(2))
        var checks: [DoctorCheck] = []
        let gatewayReachable: Bool
        let name = "discord account \(id)"
        let key = "channels.discord.accounts.\(id)"
        do {
            let gateway = try await rest.gatewayBot()
            if gateway.sessionStartsRemaining <= 0 {
                checks.append(.warn("\(name) gateway", "GET /gateway/bot ok, but the session start limit is used up (resets in \(gateway.resetAfter))",
                                    hint: "wait for the reset; a restart loop uses up identifies"))
            } else {
                checks.append(.pass("\(name) gateway", "GET /gateway/bot ok: \(gateway.url) (\(gateway.sessionStartsRemaining) session starts left)"))
            }
            gatewayReachable = true
        } catch {
            checks.append(.fail("\(name) gateway", "GET /gateway/bot failed: \(redact(error.description))", hint: "check \(key).apiBase and the network"))
            gatewayReachable = false
        }
        do {
            let application = try await rest.currentApplication()
            let actual = application["id"]?.stringValue ?? "?"
            switch account.applicationId {
            case nil:
                checks.append(.warn("\(name) application", "applicationId is not set (the bot's application is \(actual))",
                                    hint: "set \(key).applicationId: \"\(actual)\" (slash commands need it)"))
            case actual?:
                checks.append(.pass("\(name) application", "applicationId \(actual) is the bot's application"))
            case let configured?:
                checks.append(.fail("\(name) application", "applicationId \(configured) is not the bot's application (\(actual))",
                                    hint: "set \(key).applicationId: \"\(actual)\""))
            }
        } catch {
            checks.append(.warn("\(name) application", "GET /oauth2/applications/@me failed: \(redact(error.description))",
                                hint: "check \(key).applicationId by hand in the developer portal"))
        }
        if gatewayReachable {
            switch await GatewayProbe.run(rest: rest, token: account.botToken.value, timeout: probeTimeout) {
            case .ready:
                checks.append(.pass("\(name) intents", "a test connection identified with the Message Content intent"))
            case .failed(let failure):
                checks.append(.fail("\(name) intents", failure.message, hint: failure.fix(account: id)))
            case .noAnswer(let why):
                checks.append(.warn("\(name) intents", "the test connection did not complete: \(redact(why))",
                                    hint: "check the network to the gateway; acpd run logs the gateway's close codes"))
            }
        }
        try? await client.shutdown()
        return checks
    }

    private func redact(_ text: String) -> String {
        ChannelChecks.redact(text, token: account.botToken.value)
    }
}
