import JSONKit

/// One frame the Discord gateway sent, decoded from its JSON payload `{"op", "d", "s", "t"}`
/// (opcodes: https://discord.com/developers/docs/topics/opcodes-and-status-codes).
public enum GatewayFrame: Sendable, Equatable {
    /// op 10 HELLO: heartbeat every `heartbeatInterval`.
    case hello(heartbeatInterval: Duration)
    /// op 11 HEARTBEAT_ACK.
    case heartbeatAck
    /// op 1 HEARTBEAT sent by the gateway: heartbeat now.
    case heartbeatRequest
    /// op 0 DISPATCH: event `name` with sequence number `sequence` and payload `data`.
    case dispatch(sequence: Int64?, name: String, data: JSONValue)
    /// op 7 RECONNECT: close and resume.
    case reconnect
    /// op 9 INVALID_SESSION: the session cannot go on; `resumable` is its `d`.
    case invalidSession(resumable: Bool)
    /// Anything else (an opcode acpd does not use).
    case other(opcode: Int64)

    /// Decodes one text message of the gateway; nil when it is not a gateway payload.
    public static func decode(_ payload: JSONValue) -> GatewayFrame? {
        guard case .int(let opcode)? = payload["op"] else { return nil }
        switch opcode {
        case 0:
            guard let name = payload["t"]?.stringValue else { return nil }
            let sequence: Int64? = if case .int(let value)? = payload["s"] { value } else { nil }
            return .dispatch(sequence: sequence, name: name, data: payload["d"] ?? .null)
        case 1:
            return .heartbeatRequest
        case 7:
            return .reconnect
        case 9:
            if case .bool(let resumable)? = payload["d"] { return .invalidSession(resumable: resumable) }
            return .invalidSession(resumable: false)
        case 10:
            let interval: Int64? = switch payload["d"]?["heartbeat_interval"] {
            case .int(let value)?: value
            // `Int64(_:)` traps beyond its range (a HELLO of `4.12e52` crashed acpd; found by the fuzzer).
            case .double(let value)?: Int64(exactly: value.rounded(.towardZero))
            default: nil
            }
            guard let interval, interval > 0 else { return nil }
            // At most 10 minutes (Discord's is about 41 s): a sleep that long is still a sleep.
            return .hello(heartbeatInterval: .milliseconds(min(interval, 600_000)))
        case 11:
            return .heartbeatAck
        default:
            return .other(opcode: opcode)
        }
    }
}

/// A payload acpd sends to the gateway. The token and the identify properties are added by the
/// connection (`GatewayConnection`), never held by the state machine.
public enum GatewayCommand: Sendable, Equatable {
    /// op 2 IDENTIFY with `intents`.
    case identify(intents: GatewayIntents)
    /// op 6 RESUME of session `sessionId` from sequence `sequence`.
    case resume(sessionId: String, sequence: Int64?)
    /// op 1 HEARTBEAT carrying the last sequence number seen (null before any).
    case heartbeat(sequence: Int64?)

    /// The JSON text of the payload; `token` fills identify and resume.
    public func payload(token: String) -> JSONValue {
        switch self {
        case .identify(let intents):
            // The token goes last: nothing that prints the start of a frame shows it.
            return ["op": 2, "d": [
                "intents": .int(Int64(intents.rawValue)), "properties": ["os": "linux", "browser": "acpd", "device": "acpd"],
                "token": .string(token),
            ]]
        case .resume(let sessionId, let sequence):
            return ["op": 6, "d": ["session_id": .string(sessionId), "seq": sequence.map(JSONValue.int) ?? .null, "token": .string(token)]]
        case .heartbeat(let sequence):
            return ["op": 1, "d": sequence.map(JSONValue.int) ?? .null]
        }
    }
}

/// Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents).
public struct GatewayIntents: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    /// Intents from their bit field.
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let guilds = GatewayIntents(rawValue: 1 << 0)
    public static let guildMessages = GatewayIntents(rawValue: 1 << 9)
    public static let directMessages = GatewayIntents(rawValue: 1 << 12)
    /// Privileged: must be enabled for the bot in the developer portal, else the gateway closes with 4014.
    public static let messageContent = GatewayIntents(rawValue: 1 << 15)

    /// What acpd asks for: guild channels and threads, their messages, DMs, and message text.
    public static let acpd: GatewayIntents = [.guilds, .guildMessages, .directMessages, .messageContent]
}
