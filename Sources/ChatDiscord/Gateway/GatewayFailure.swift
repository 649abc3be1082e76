/// A gateway close that no reconnect can fix: the account stops and says why, with the fix
/// (close codes: https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-close-event-codes).
public enum GatewayFailure: Error, Sendable, Equatable {
    /// 4004: the token was rejected.
    case authenticationFailed
    /// 4014: an intent acpd asks for is privileged and not enabled for this bot (Message Content).
    case disallowedIntents
    /// 4013: the intents value is invalid.
    case invalidIntents
    /// 4010, 4011: sharding asked for or required.
    case sharding(code: UInt16)
    /// 4012: the gateway version is not valid.
    case invalidAPIVersion

    /// The close codes that are fatal, with their failure; nil for codes that allow a reconnect.
    public init?(closeCode: UInt16) {
        switch closeCode {
        case 4004: self = .authenticationFailed
        case 4014: self = .disallowedIntents
        case 4013: self = .invalidIntents
        case 4010, 4011: self = .sharding(code: closeCode)
        case 4012: self = .invalidAPIVersion
        default: return nil
        }
    }

    /// The close code that caused it.
    public var closeCode: UInt16 {
        switch self {
        case .authenticationFailed: 4004
        case .disallowedIntents: 4014
        case .invalidIntents: 4013
        case .sharding(let code): code
        case .invalidAPIVersion: 4012
        }
    }

    /// What went wrong, for the log and doctor.
    public var message: String {
        switch self {
        case .authenticationFailed: "Discord rejected the bot token (gateway close 4004)"
        case .disallowedIntents: "Discord refused the Message Content intent (gateway close 4014: disallowed intents)"
        case .invalidIntents: "Discord rejected the gateway intents (close 4013)"
        case .sharding(let code): "Discord asks for sharding (gateway close \(code)), which acpd does not do"
        case .invalidAPIVersion: "Discord rejected the gateway version (close 4012)"
        }
    }

    /// How to fix it; `account` is the config key of the account.
    public func fix(account: String) -> String {
        switch self {
        case .authenticationFailed:
            "set channels.discord.accounts.\(account).botToken to the bot token from the Discord developer portal (Bot → Reset Token)"
        case .disallowedIntents:
            "enable the Message Content intent for this bot in the Discord developer portal (Bot → Privileged Gateway Intents → Message Content Intent), then restart acpd"
        case .invalidIntents:
            "report this as an acpd bug: the intents it sends are invalid"
        case .sharding:
            "run the bot in fewer guilds (under 2500), or report that sharding is needed"
        case .invalidAPIVersion:
            "check channels.discord.accounts.\(account).apiBase (acpd speaks gateway v10)"
        }
    }
}
