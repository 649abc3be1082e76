import ACPControlPlane
import ChatCore
import ChatDiscord
import JSONKit

/// Discord gateway payloads: any JSON is decoded into a frame without trapping; a dispatched
/// message, button press or slash command is normalised into a canonical Discord conversation of
/// the account, keyed by the message or interaction id (so a RESUME replay is recognised).
enum DiscordGatewayFuzz {
    static let target = FuzzTarget(name: "discord-gateway", dictionary: [
        "\"op\":0", "\"op\":10", "\"op\":7", "\"op\":9", "\"op\":11", "\"s\":", "\"t\":\"MESSAGE_CREATE\"", "\"t\":\"INTERACTION_CREATE\"",
        "\"t\":\"THREAD_CREATE\"", "\"d\":{", "\"heartbeat_interval\":", "\"channel_id\":\"", "\"guild_id\":\"", "\"author\":{\"id\":\"",
        "\"bot\":true", "\"content\":\"", "\"type\":", "\"data\":{\"custom_id\":\"", "\"component_type\":2", "\"name\":\"acp\"",
        "\"options\":[", "\"member\":{\"user\":{\"id\":\"", "\"channel\":{\"id\":\"", "\"parent_id\":\"", "\"attachments\":[",
        "\"600000000000000001\"", "\"0\"", "\"-1\"",
    ]) { bytes throws(FuzzFailure) in
        guard let json = try? JSONParser.parse(bytes), let frame = GatewayFrame.decode(json) else { return }
        guard case .dispatch(_, let name, let data) = frame else { return }
        let known = data["channel"].flatMap { DiscordChannelInfo(json: $0, guildId: data["guild_id"]?.stringValue) }
        let results: [NormalisedDispatch] = switch name {
        case "MESSAGE_CREATE": [DiscordNormaliser.message(data, channel: known, botUserId: "900000000000000001", accountId: "default")]
        case "INTERACTION_CREATE": [DiscordNormaliser.buttonPress(data, knownChannel: known, accountId: "default"),
                                    DiscordNormaliser.command(data, knownChannel: known, accountId: "default")]
        default: []
        }
        for result in results {
            let message: InboundMessage
            switch result {
            case .message(let inbound), .buttonPress(let inbound, _, _), .command(let inbound, _, _): message = inbound
            default: continue
            }
            try fuzzCheck(message.conversation.channel == .discord && message.conversation.accountId == "default",
                          "a dispatch landed in \(message.conversation.canonical)")
            try HTTPBodyFuzz.canonicalRoundTrip(message.conversation)
            let id = data["id"]?.stringValue
            try fuzzCheck(id != nil && message.idempotencyKey == id, "dispatch \(String(describing: id)) keyed \(message.idempotencyKey)")
        }
    }
}
