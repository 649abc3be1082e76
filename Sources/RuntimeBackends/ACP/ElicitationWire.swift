import ACPControlPlane
import JSONKit

/// `elicitation/create` params and result, between the wire's JSON and acpd's typed form.
///
/// A form keeps the properties in the agent's order. Property types acpd does not know (`_x`,
/// future ones) cannot be shown as inputs: an optional one is left out of the form (never
/// answered), a required one makes the request unanswerable (`decline`).
enum ElicitationWire {
    /// `elicitation/create` as acpd reads it.
    struct Create: Sendable {
        /// The session it belongs to; nil when it is request-scoped (`requestId`).
        var sessionId: String?
        var message: String
        var mode: ElicitationMode
    }

    /// Why a request cannot be shown; answered `decline` (unsupported) or -32602 (invalid).
    enum Problem: Error, Sendable {
        case invalid(String)
        case unsupported(String)
    }

    static func parse(_ params: JSONValue) throws(Problem) -> Create {
        guard case .object = params else { throw .invalid("params must be an object") }
        guard let message = params["message"]?.stringValue else { throw .invalid("message is required") }
        let sessionId = params["sessionId"]?.stringValue
        switch params["mode"]?.stringValue {
        case "form":
            guard let schema = params["requestedSchema"], case .object = schema else { throw .invalid("requestedSchema is required") }
            return Create(sessionId: sessionId, message: message, mode: .form(try form(schema)))
        case "url":
            guard let url = params["url"]?.stringValue, let elicitationId = params["elicitationId"]?.stringValue else {
                throw .invalid("url and elicitationId are required")
            }
            return Create(sessionId: sessionId, message: message, mode: .url(url: url, elicitationId: elicitationId))
        case let other?:
            throw .unsupported("mode \(other)")
        case nil:
            throw .invalid("mode is required")
        }
    }

    private static func form(_ schema: JSONValue) throws(Problem) -> ElicitationForm {
        let required = Set(strings(schema["required"]) ?? [])
        var fields: [ElicitationField] = []
        if case .object(let properties)? = schema["properties"] {
            var seen: Set<String> = []
            for (name, _) in properties.members where seen.insert(name).inserted {
                guard let property = properties[name], case .object = property else { throw .invalid("property \(name) is not an object") }
                if let field = try field(name, property, required: required.contains(name)) {
                    fields.append(field)
                } else if required.contains(name) {
                    throw .unsupported("required property \(name) has type \(property["type"]?.stringValue ?? "?")")
                }
            }
        }
        if let missing = required.first(where: { name in !fields.contains { $0.name == name } }) {
            throw .invalid("required property \(missing) is not defined")
        }
        return ElicitationForm(title: schema["title"]?.stringValue, description: schema["description"]?.stringValue, fields: fields)
    }

    /// The field of one property; nil for a type acpd cannot show.
    private static func field(_ name: String, _ property: JSONValue, required: Bool) throws(Problem) -> ElicitationField? {
        guard let type = property["type"]?.stringValue, let kind = ElicitationField.Kind(rawValue: type) else { return nil }
        var field = ElicitationField(name: name, kind: kind, title: property["title"]?.stringValue,
                                     description: property["description"]?.stringValue, required: required)
        switch kind {
        case .string:
            field.minLength = integer(property["minLength"])
            field.maxLength = integer(property["maxLength"])
            field.pattern = property["pattern"]?.stringValue
            field.format = property["format"]?.stringValue
            if let values = strings(property["enum"]) {
                field.choices = values.map { ElicitationChoice(value: $0) }
            } else if let options = choices(property["oneOf"]) {
                field.choices = options
            }
            field.defaultValue = property["default"]?.stringValue.map { .string($0) }
        case .number, .integer:
            field.minimum = number(property["minimum"])
            field.maximum = number(property["maximum"])
            if let value = property["default"] {
                if kind == .integer, case .int(let number) = value { field.defaultValue = .integer(number) }
                if kind == .number, let number = number(value) { field.defaultValue = .number(number) }
            }
        case .boolean:
            if case .bool(let value)? = property["default"] { field.defaultValue = .boolean(value) }
        case .multiSelect:
            let items = property["items"]
            guard let options = strings(items?["enum"]).map({ $0.map { ElicitationChoice(value: $0) } })
                    ?? choices(items?["anyOf"]) ?? choices(items?["oneOf"]) else {
                throw .invalid("property \(name): items must list the choices")
            }
            field.choices = options
            field.minItems = integer(property["minItems"])
            field.maxItems = integer(property["maxItems"])
            field.defaultValue = strings(property["default"]).map { .strings($0) }
        }
        return field
    }

    private static func strings(_ value: JSONValue?) -> [String]? {
        guard case .array(let items)? = value else { return nil }
        return items.compactMap(\.stringValue)
    }

    private static func choices(_ value: JSONValue?) -> [ElicitationChoice]? {
        guard case .array(let items)? = value else { return nil }
        let options = items.compactMap { item -> ElicitationChoice? in
            guard let value = item["const"]?.stringValue else { return nil }
            return ElicitationChoice(value: value, title: item["title"]?.stringValue)
        }
        return options.isEmpty ? nil : options
    }

    private static func integer(_ value: JSONValue?) -> Int? {
        switch value {
        case .int(let number)?: Int(exactly: number)
        case .double(let number)?: Int(exactly: number)
        default: nil
        }
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let number)?: Double(number)
        case .double(let number)?: number
        default: nil
        }
    }

    /// The `CreateElicitationResponse` of an outcome.
    static func response(_ outcome: ElicitationOutcome) -> JSONValue {
        var object = JSONObject()
        switch outcome {
        case .accept(let values):
            object["action"] = .string("accept")
            if !values.isEmpty {
                var content = JSONObject()
                for (name, value) in values.sorted(by: { $0.key < $1.key }) { content[name] = json(value) }
                object["content"] = .object(content)
            }
        case .decline:
            object["action"] = .string("decline")
        case .cancel:
            object["action"] = .string("cancel")
        }
        return .object(object)
    }

    private static func json(_ value: ElicitationValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .integer(let number): .int(number)
        case .number(let number): .double(number)
        case .boolean(let flag): .bool(flag)
        case .strings(let values): .array(values.map { .string($0) })
        }
    }
}
