import JSONKit
import AsyncHTTPClient
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Doctor's chat account checks: each Telegram token answers `getMe` (then each chat bound to
/// that account is checked, `ChannelChecks+TelegramChats.swift`), each Discord token answers
/// `/users/@me` (then `DiscordChecks`). Tokens never appear in the output: every message is
/// redacted before it is shown.
///
/// HTTP goes through AsyncHTTPClient (SwiftNIO), not URLSession: FoundationNetworking would load
/// libcurl and its TLS and Kerberos libraries into every acpd process (about 6 MiB of idle RSS).
struct ChannelChecks: Sendable {
    let config: ACPDConfig
    /// Per request.
    var timeout: Double = 10

    func run() async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        for id in config.channels.telegram.keys.sorted() {
            guard let account = config.channels.telegram[id] else { continue }
            let (check, bot) = await telegram(id, account)
            checks.append(check)
            if let bot { checks += await telegramChats(id, account, bot: bot) }
        }
        for id in config.channels.discord.keys.sorted() {
            guard let account = config.channels.discord[id] else { continue }
            let token = await discord(id, account)
            checks.append(token)
            // Gateway, application id and intents only for a token that works.
            if token.status == .pass { checks += await DiscordChecks(id: id, account: account).run() }
        }
        checks += await runningAccounts()
        if checks.isEmpty { checks.append(.skip("chat accounts", "no Telegram or Discord accounts configured")) }
        return checks
    }

    /// What `getMe` said about the bot, for the per-chat checks.
    struct TelegramBot {
        var id: Int64
        var username: String?
        /// False: privacy mode is on.
        var readsAllGroupMessages: Bool
    }

    /// The account's check, and the bot when its token works (also with a webhook set: the
    /// chats can still be checked).
    private func telegram(_ id: String, _ account: ChannelsConfig.TelegramAccount) async -> (check: DoctorCheck, bot: TelegramBot?) {
        let name = "telegram account \(id)"
        let token = account.botToken.value
        let keyPath = "channels.telegram.accounts.\(id).botToken"
        guard let url = URL(string: "\(trimmed(account.apiRoot))/bot\(token)/getMe") else {
            return (.fail(name, "apiRoot \(account.apiRoot) does not form a URL", hint: "fix channels.telegram.accounts.\(id).apiRoot"), nil)
        }
        let result = await fetch(url, headers: [:], token: token)
        switch result {
        case .answered(200, let body):
            let user = body["result"]?["username"]?.stringValue
            let bot = body["result"]?["id"].flatMap { if case .int(let id) = $0 { id } else { nil } }.map {
                TelegramBot(id: $0, username: user, readsAllGroupMessages: body["result"]?["can_read_all_group_messages"] != .bool(false))
            }
            let detail = "getMe ok" + (user.map { ": @\($0)" } ?? "")
            // A webhook on the token makes every getUpdates answer 409: acpd could never poll.
            if let hook = URL(string: "\(trimmed(account.apiRoot))/bot\(token)/getWebhookInfo"),
               case .answered(200, let info) = await fetch(hook, headers: [:], token: token),
               let webhook = info["result"]?["url"]?.stringValue, !webhook.isEmpty {
                return (.fail(name, detail + "; a webhook is set on this bot, so long polling gets 409 Conflict",
                              hint: "remove it with the Bot API's deleteWebhook for this bot (acpd polls with getUpdates)"), bot)
            }
            if case .bool(false)? = body["result"]?["can_read_all_group_messages"] {
                return (.warn(name, detail + "; privacy mode is on: in groups the bot sees only commands and replies to it",
                              hint: "turn privacy mode off (@BotFather /setprivacy → Disable) or make the bot an admin of its groups"), bot)
            }
            return (.pass(name, detail), bot)
        case .answered(let status, _) where status == 401 || status == 404:
            return (.fail(name, "getMe answered \(status): the token was rejected", hint: "set \(keyPath) to the token @BotFather gave"), nil)
        case .answered(let status, _):
            return (.fail(name, "getMe answered HTTP \(status)", hint: "check channels.telegram.accounts.\(id).apiRoot and try again"), nil)
        case .unreachable(let message):
            return (.fail(name, "cannot reach \(account.apiRoot): \(message)", hint: "check the network and channels.telegram.accounts.\(id).apiRoot"), nil)
        }
    }

    private func discord(_ id: String, _ account: ChannelsConfig.DiscordAccount) async -> DoctorCheck {
        let name = "discord account \(id)"
        let token = account.botToken.value
        guard let url = URL(string: "\(trimmed(account.apiBase))/users/@me") else {
            return .fail(name, "apiBase \(account.apiBase) does not form a URL", hint: "fix channels.discord.accounts.\(id).apiBase")
        }
        switch await fetch(url, headers: ["Authorization": "Bot \(token)"], token: token) {
        case .answered(200, let body):
            let user = body["username"]?.stringValue
            return .pass(name, "/users/@me ok" + (user.map { ": \($0)" } ?? ""))
        case .answered(401, _):
            return .fail(name, "/users/@me answered 401: the token was rejected",
                         hint: "set channels.discord.accounts.\(id).botToken to the bot token from the Discord developer portal")
        case .answered(let status, _):
            return .fail(name, "/users/@me answered HTTP \(status)", hint: "check channels.discord.accounts.\(id).apiBase and try again")
        case .unreachable(let message):
            return .fail(name, "cannot reach \(account.apiBase): \(message)", hint: "check the network and channels.discord.accounts.\(id).apiBase")
        }
    }

    enum Answer {
        case answered(Int, JSONValue)
        case unreachable(String)
    }

    /// Largest answer body read.
    private static let maxBodyBytes = 1 << 20

    /// GETs `url`, or POSTs `body` to it as JSON when one is given.
    func fetch(_ url: URL, headers: [String: String], token: String, body: JSONValue? = nil) async -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText()))
        }
        // A check, not a long-lived client: a refused connection is reported at once instead of
        // being retried with backoff until the timeout.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .milliseconds(Int64(timeout * 1000)))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let answer: Answer
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let data = try await response.body.collect(upTo: Self.maxBodyBytes)
            let body = data.withUnsafeReadableBytes { bytes in try? JSONParser.parse(bytes) } ?? .null
            answer = .answered(Int(response.status.code), body)
        } catch {
            answer = .unreachable(Self.redact(Self.describe(error), token: token))
        }
        try? await client.shutdown()
        return answer
    }

    /// A short reason for a failed request.
    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .connectTimeout || error == .readTimeout:
            "timed out"
        case let error as HTTPClientError: "\(error)"
        case let error as IOError: String(cString: strerror(error.errnoCode)).lowercased()
        default: "\(type(of: error)): \(error)"
        }
    }

    func trimmed(_ base: String) -> String {
        base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    /// `text` with every occurrence of `token` replaced by `<redacted>`.
    static func redact(_ text: String, token: String) -> String {
        token.isEmpty ? text : text.replacing(token, with: "<redacted>")
    }
}
