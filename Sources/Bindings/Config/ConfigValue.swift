import JSONKit
import ACPControlPlane

/// A config value after YAML parsing, `${NAME}` substitution and the schema check, with defaults
/// filled in. Also the JSON value used to print the JSON Schema and `--json` reports.
indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case array([ConfigValue])
    case object([String: ConfigValue])

    subscript(key: String) -> ConfigValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var integer: Int? { if case .integer(let value) = self { value } else { nil } }
    var boolean: Bool? { if case .boolean(let value) = self { value } else { nil } }
    var array: [ConfigValue]? { if case .array(let value) = self { value } else { nil } }
    var object: [String: ConfigValue]? { if case .object(let value) = self { value } else { nil } }
    var strings: [String] { array?.compactMap(\.string) ?? [] }

    /// Deterministic JSON: object keys sorted, two-space indent, `/` not escaped.
    func jsonText(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        let newline = indent == nil ? "" : "\n"
        let pad = { (level: Int) in String(repeating: "  ", count: level) }
        switch self {
        case .string(let text): out += Self.quoted(text)
        case .integer(let value): out += String(value)
        case .boolean(let value): out += value ? "true" : "false"
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "[" + newline
            for (offset, item) in items.enumerated() {
                out += indent.map { pad($0 + 1) } ?? ""
                item.write(into: &out, indent: indent.map { $0 + 1 })
                out += (offset == items.count - 1 ? "" : ",") + newline
            }
            out += (indent.map(pad) ?? "") + "]"
        case .object(let fields):
            guard !fields.isEmpty else { out += "{}"; return }
            out += "{" + newline
            let keys = fields.keys.sorted()
            for (offset, key) in keys.enumerated() {
                out += (indent.map { pad($0 + 1) } ?? "") + Self.quoted(key) + (indent == nil ? ":" : ": ")
                fields[key]!.write(into: &out, indent: indent.map { $0 + 1 })
                out += (offset == keys.count - 1 ? "" : ",") + newline
            }
            out += (indent.map(pad) ?? "") + "}"
        }
    }

    /// `text` as a JSON string literal (what error messages and the JSON output show).
    static func quoted(_ text: String) -> String {
        JSONStringLiteral.make(text)
    }
}
