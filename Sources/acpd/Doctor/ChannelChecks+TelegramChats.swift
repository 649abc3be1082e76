import Bindings
import JSONKit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Doctor's per-chat Telegram checks: every chat bound in config on an account must answer
/// `getChat` (the bot is in it), and where topics matter (a topic binding, or a forum chat, where
/// `/acp spawn --thread auto` creates topics) `getChatMember` tells whether the bot may create
/// topics (`can_manage_topics`) and whether it reads plain messages there.
extension ChannelChecks {
    /// A chat bound in config on one account.
    struct BoundTelegramChat: Equatable {
        var chat: Int64
        /// Some binding names one of its topics (`<chat>:topic:<id>`).
        var hasTopicBinding: Bool
        /// Every binding naming it is on account `*` (it may be meant for another bot).
        var wildcardOnly: Bool
        /// The `bindings[i]` entries naming it, for messages.
        var bindings: [String]
    }

    /// The chats that `config`'s bindings name on Telegram account `id` (its own, and `*`), in
    /// binding order.
    static func boundTelegramChats(_ config: ACPDConfig, account id: String) -> [BoundTelegramChat] {
        var chats: [BoundTelegramChat] = []
        for binding in config.bindings where binding.channel == .telegram {
            guard binding.accountId == id || binding.accountId == AccountID.wildcard, let peer = binding.peer,
                  let ref = try? TelegramConversationID.parse(peer.id),
                  let target = try? TelegramConversationID.sendTarget(of: ref) else { continue }
            let isTopic = ref.parentConversationId != nil
            let wildcard = binding.accountId == AccountID.wildcard
            let entry = "bindings[\(binding.index)]"
            if let index = chats.firstIndex(where: { $0.chat == target.chatId }) {
                chats[index].hasTopicBinding = chats[index].hasTopicBinding || isTopic
                chats[index].wildcardOnly = chats[index].wildcardOnly && wildcard
                chats[index].bindings.append(entry)
            } else {
                chats.append(BoundTelegramChat(chat: target.chatId, hasTopicBinding: isTopic, wildcardOnly: wildcard, bindings: [entry]))
            }
        }
        return chats
    }

    /// One check per chat bound on account `id`, whose bot is `bot`.
    func telegramChats(_ id: String, _ account: ChannelsConfig.TelegramAccount, bot: TelegramBot) async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        for chat in Self.boundTelegramChats(config, account: id) {
            checks.append(await telegramChat(chat, id, account, bot: bot))
        }
        return checks
    }

    private func telegramChat(_ bound: BoundTelegramChat, _ id: String, _ account: ChannelsConfig.TelegramAccount,
                              bot: TelegramBot) async -> DoctorCheck {
        let name = "telegram chat \(bound.chat) (account \(id))"
        let token = account.botToken.value
        let botName = bot.username.map { "@\($0)" } ?? "the bot"
        let bindings = bound.bindings.joined(separator: ", ")
        let chatInfo = await call("getChat", ["chat_id": .int(bound.chat)], account)
        let info: JSONValue
        switch chatInfo {
        case .answered(200, let body):
            info = body["result"] ?? .null
        case .answered(let status, let body) where status == 400 || status == 403:
            let description = Self.redact(body["description"]?.stringValue ?? "HTTP \(status)", token: token)
            let detail = "getChat answered \(status) (\(description)): \(botName) cannot reach this chat of \(bindings)"
            let hint = "add \(botName) to chat \(bound.chat) (or fix the chat id in \(bindings))"
            // A `*` binding may be meant for another account's bot.
            return bound.wildcardOnly ? .warn(name, detail, hint: hint) : .fail(name, detail, hint: hint)
        case .answered(let status, _):
            return .fail(name, "getChat answered HTTP \(status)", hint: "check channels.telegram.accounts.\(id).apiRoot and try again")
        case .unreachable(let message):
            return .fail(name, "getChat failed: \(message)", hint: "check the network and channels.telegram.accounts.\(id).apiRoot")
        }
        let isForum = info["is_forum"] == .bool(true)
        let title = info["title"]?.stringValue.map { " \"\(Self.redact($0, token: token))\"" } ?? ""
        let detail = "getChat ok: \(info["type"]?.stringValue ?? "chat")\(title)\(isForum ? ", a forum" : "")"
        if bound.hasTopicBinding, !isForum {
            return .fail(name, detail + "; it is not a forum, so its topic bindings (\(bindings)) never receive a message",
                         hint: "turn Topics on in the group's settings, or bind the chat id \(bound.chat) itself")
        }
        guard isForum else { return .pass(name, detail) }
        // A forum: topics are the point. Can the bot create them, and does it see plain messages?
        let member = await call("getChatMember", ["chat_id": .int(bound.chat), "user_id": .int(bot.id)], account)
        guard case .answered(200, let body) = member, let rights = body["result"] else {
            let why: String = switch member {
            case .answered(let status, let body): Self.redact(body["description"]?.stringValue ?? "HTTP \(status)", token: token)
            case .unreachable(let message): message
            }
            return .warn(name, detail + "; getChatMember for the bot failed (\(why)): its rights here are unknown",
                         hint: "run acpd doctor again; if it persists, check the bot's admin rights in the chat")
        }
        let status = rights["status"]?.stringValue ?? ""
        let isAdmin = status == "administrator" || status == "creator"
        let manageTopics = status == "creator" || (status == "administrator" && rights["can_manage_topics"] == .bool(true))
        var problems: [String] = []
        var fixes: [String] = []
        if !manageTopics {
            problems.append("the bot lacks the can_manage_topics right, so /acp spawn --thread auto cannot create topics here")
            fixes.append("make \(botName) an admin of chat \(bound.chat) with the Manage Topics right (can_manage_topics)")
        }
        if !bot.readsAllGroupMessages, !isAdmin {
            problems.append("privacy mode is on and the bot is not an admin, so it cannot read plain messages in this forum's topics")
            fixes.append("make \(botName) an admin there, or turn privacy mode off (@BotFather /setprivacy → Disable)")
        }
        guard problems.isEmpty else {
            return .warn(name, ([detail] + problems).joined(separator: "; "), hint: fixes.joined(separator: "; "))
        }
        return .pass(name, detail + "; the bot is an admin with can_manage_topics")
    }

    /// POSTs Bot API `method` with `parameters` for `account`.
    private func call(_ method: String, _ parameters: [String: JSONValue], _ account: ChannelsConfig.TelegramAccount) async -> Answer {
        let token = account.botToken.value
        guard let url = URL(string: "\(trimmed(account.apiRoot))/bot\(token)/\(method)") else {
            return .unreachable("apiRoot \(account.apiRoot) does not form a URL")
        }
        return await fetch(url, headers: [:], token: token, body: JSONValue(parameters))
    }
}
