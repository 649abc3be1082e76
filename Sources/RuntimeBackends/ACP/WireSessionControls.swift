import ACPControlPlane
import JSONKit

/// `session/resume` params (only when the agent advertised `sessionCapabilities.resume`): the
/// same shape as `session/load`'s.
public typealias ResumeSessionRequest = LoadSessionRequest

/// `session/close` params (only when the agent advertised `sessionCapabilities.close`).
public struct CloseSessionRequest: Sendable, Equatable, Codable {
    public var sessionId: String
}

/// `session/set_mode` params.
public struct SetSessionModeRequest: Sendable, Equatable, Codable {
    public var sessionId: String
    public var modeId: String
}

/// Reads the loosely typed parts of ACP session answers (`modes`, `configOptions`,
/// `sessionCapabilities`) into `AgentSessionState` values. Malformed entries are skipped, as
/// the schema's `x-deserialize-skip-invalid-items` says; options of a type other than `select`
/// (acpd does not advertise boolean ones) are left out.
enum AgentStateReader {
    /// `SessionModeState`: the offered modes and the current one; nil when absent or malformed.
    static func modes(_ value: JSONValue?) -> (modes: [AgentMode], current: String)? {
        guard let value, let current = value["currentModeId"]?.stringValue,
              case .array(let entries)? = value["availableModes"] else { return nil }
        let modes = entries.compactMap { entry -> AgentMode? in
            guard let id = entry["id"]?.stringValue, let name = entry["name"]?.stringValue else { return nil }
            return AgentMode(id: id, name: name, description: entry["description"]?.stringValue)
        }
        return (modes, current)
    }

    /// `SessionConfigOption[]`; nil when `value` is not an array.
    static func configOptions(_ list: JSONValue?) -> [AgentConfigOption]? {
        guard case .array(let entries)? = list else { return nil }
        return entries.compactMap { entry -> AgentConfigOption? in
            guard let id = entry["id"]?.stringValue, let name = entry["name"]?.stringValue,
                  entry["type"]?.stringValue == "select", let current = entry["currentValue"]?.stringValue,
                  case .array(let items)? = entry["options"] else { return nil }
            var values: [AgentConfigOption.Value] = []
            for item in items {
                if case .array(let grouped)? = item["options"] {
                    values += grouped.compactMap(selectValue(of:))
                } else if let single = selectValue(of: item) {
                    values.append(single)
                }
            }
            return AgentConfigOption(id: id, name: name, description: entry["description"]?.stringValue,
                                     category: entry["category"]?.stringValue, currentValue: current, values: values)
        }
    }

    private static func selectValue(of item: JSONValue) -> AgentConfigOption.Value? {
        guard let value = item["value"]?.stringValue, let name = item["name"]?.stringValue else { return nil }
        return AgentConfigOption.Value(value: value, name: name, description: item["description"]?.stringValue)
    }

    /// Whether `sessionCapabilities.<name>` is present as an object (ACP: `{}` means supported).
    static func advertises(_ capabilities: JSONValue?, _ name: String) -> Bool {
        if case .object? = capabilities?[name] { return true }
        return false
    }

    /// Applies the `modes` and `configOptions` of a `session/new|load|resume` answer.
    static func apply(sessionResult value: JSONValue, to state: inout AgentSessionState) {
        if let (modes, current) = modes(value["modes"]) {
            state.modes = modes
            state.currentModeId = current
        }
        if let options = configOptions(value["configOptions"]) { state.configOptions = options }
    }
}
