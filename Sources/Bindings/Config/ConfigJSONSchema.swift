/// Writes the config schema as JSON Schema (draft 2020-12): `acpd config schema`.
///
/// Generated from `ACPDConfigSchema`, the model the validator uses. The structure, types, enums,
/// ranges, patterns and unknown-key rule are all in it; the cross-key rules (ids per channel,
/// declared agents, duplicates, workspace roots) are only in `acpd config validate`.
public enum ConfigJSONSchema {
    /// The schema document as deterministic, pretty-printed JSON text.
    public static func text() -> String { document().jsonText() + "\n" }

    static func document() -> ConfigValue {
        guard case .object(var root) = node(ACPDConfigSchema.root) else { return .object([:]) }
        root["$schema"] = .string("https://json-schema.org/draft/2020-12/schema")
        root["title"] = .string("acpd config")
        root["description"] = .string("The acpd config file (YAML or JSON). `acpd config validate` also checks the rules that span several keys.")
        return .object(root)
    }

    static func node(_ schema: ConfigSchema) -> ConfigValue {
        var out: [String: ConfigValue] = ["description": .string(schema.doc + (schema.isExtension ? " (acpd extension)" : ""))]
        switch schema.kind {
        case .string(let format):
            out["type"] = .string("string")
            if let pattern = format.pattern { out["pattern"] = .string("^(?:\(pattern))$") }
            if format.minLength > 0 { out["minLength"] = .integer(format.minLength) }
        case .id:
            out["type"] = .array([.string("string"), .string("integer")])
        case .integer(let min, let max):
            out["type"] = .string("integer")
            out["minimum"] = .integer(min)
            out["maximum"] = .integer(max)
        case .boolean:
            out["type"] = .string("boolean")
        case .enumeration(let values):
            out["type"] = .string("string")
            out["enum"] = .array(values.map(ConfigValue.string))
        case .array(let item, let minItems):
            out["type"] = .string("array")
            out["items"] = node(item)
            if minItems > 0 { out["minItems"] = .integer(minItems) }
        case .object(let fields):
            out["type"] = .string("object")
            out["additionalProperties"] = .boolean(false)
            out["properties"] = .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.name, node($0.schema)) }))
            let required = fields.filter(\.required).map { ConfigValue.string($0.name) }
            if !required.isEmpty { out["required"] = .array(required) }
        case .map(let key, let value):
            out["type"] = .string("object")
            if let pattern = key.pattern { out["propertyNames"] = .object(["pattern": .string("^(?:\(pattern))$")]) }
            out["additionalProperties"] = node(value)
        }
        if let value = schema.defaultValue { out["default"] = value }
        for (key, value) in schema.jsonSchemaExtras { out[key] = value }
        return .object(out)
    }
}
