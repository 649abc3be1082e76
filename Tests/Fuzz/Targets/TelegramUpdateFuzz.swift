import ACPControlPlane
import ChatCore
import ChatTelegram
import JSONKit

/// Telegram updates as `getUpdates` hands them over: decoded from any JSON and normalised without
/// trapping; a message or button press lands in a canonical Telegram conversation of the account,
/// keyed by its update id (so a redelivery is recognised).
enum TelegramUpdateFuzz {
    static let target = FuzzTarget(name: "telegram-update", dictionary: [
        "\"update_id\":", "\"message\":", "\"callback_query\":", "\"edited_message\":", "\"chat\":{\"id\":", "\"type\":\"supergroup\"",
        "\"type\":\"private\"", "\"is_forum\":true", "\"message_thread_id\":", "\"is_topic_message\":true", "\"from\":{\"id\":",
        "\"is_bot\":false", "\"text\":\"", "\"/acp spawn@acpd_bot\"", "\"data\":\"", "\"reply_to_message\":", "\"caption\":",
        "\"document\":{\"file_id\":\"f\",\"file_unique_id\":\"u\"}", "\"photo\":[", "-1001234567890", "9223372036854775807", "1e3", "null",
    ]) { bytes throws(FuzzFailure) in
        guard let json = try? JSONParser.parse(bytes), let update = try? JSONValueDecoder.decode(TelegramUpdate.self, from: json) else { return }
        for bot in [nil, "acpd_bot"] as [String?] {
            let message: InboundMessage
            switch TelegramUpdateNormaliser.normalise(update, accountId: "default", botUsername: bot) {
            case .message(let inbound), .buttonPress(let inbound, _): message = inbound
            default: continue
            }
            try fuzzCheck(message.conversation.channel == .telegram && message.conversation.accountId == "default",
                          "an update landed in \(message.conversation.canonical)")
            try HTTPBodyFuzz.canonicalRoundTrip(message.conversation)
            try fuzzCheck(message.idempotencyKey == TelegramUpdateNormaliser.idempotencyKey(update.updateId),
                          "update \(update.updateId) keyed \(message.idempotencyKey)")
        }
    }
}
