/// The durable identity of an acpd session, e.g. `agent:demo:acp:binding:telegram:default:0123456789abcdef`.
///
/// Keys are opaque to the control plane; they are built by the binding layer (deterministic keys for
/// config and route bindings) or by spawn (`agent:<agentId>:acp:<uuid>`). A valid key is 1–200
/// printable ASCII characters without whitespace.
public struct SessionKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Returns nil when `rawValue` is not a valid key.
    public init?(_ rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// Parses a key coming from outside (chat, HTTP, CLI), with a typed error.
    public static func parse(_ text: String) throws(ACPError) -> SessionKey {
        guard let key = SessionKey(text) else {
            throw ACPError(.invalidArgument, message: "not a session key: \(text.prefix(64))",
                           hint: "session keys look like agent:<agentId>:acp:<id>; list them with /acp sessions")
        }
        return key
    }

    /// The key of a session made by `/acp spawn`: `agent:<agentId>:acp:<uuid>`.
    public static func spawned(agentId: String, uuid: String) -> SessionKey? {
        SessionKey("agent:\(agentId):acp:\(uuid.lowercased())")
    }

    /// The agent id embedded in keys of the form `agent:<agentId>:…`, if any.
    public var agentId: String? {
        let parts = rawValue.split(separator: ":", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "agent" else { return nil }
        return String(parts[1])
    }

    static func isValid(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 200 else { return false }
        return text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = SessionKey(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid session key"))
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
    public static func < (lhs: SessionKey, rhs: SessionKey) -> Bool { lhs.rawValue < rhs.rawValue }
}
