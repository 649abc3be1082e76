/// The form of a form-mode elicitation (`requestedSchema`): its fields in the agent's order.
public struct ElicitationForm: Sendable, Equatable, Codable {
    /// The schema's `title`, if any.
    public var title: String?
    /// The schema's `description`, if any.
    public var description: String?
    public var fields: [ElicitationField]

    /// A value with these parts (see the properties).
    public init(title: String? = nil, description: String? = nil, fields: [ElicitationField]) {
        self.title = title
        self.description = description
        self.fields = fields
    }

    /// The field named `name`, if the form has it.
    public func field(_ name: String) -> ElicitationField? {
        fields.first { $0.name == name }
    }
}

/// One property of a requested schema, with the constraints acpd checks.
public struct ElicitationField: Sendable, Equatable, Codable {
    /// The JSON Schema `type` of the property (`array` is a multi-select of strings).
    public enum Kind: String, Sendable, Equatable, Codable {
        case string, number, integer, boolean
        case multiSelect = "array"
    }

    public var name: String
    public var kind: Kind
    public var title: String?
    public var description: String?
    public var required: Bool
    /// Single-select (`enum`/`oneOf` of a string) or the items of a multi-select; nil: free input.
    public var choices: [ElicitationChoice]?
    public var minLength: Int?
    public var maxLength: Int?
    public var pattern: String?
    /// `email`, `uri`, `date` or `date-time`.
    public var format: String?
    public var minimum: Double?
    public var maximum: Double?
    public var minItems: Int?
    public var maxItems: Int?
    public var defaultValue: ElicitationValue?

    /// A value with these parts (see the properties).
    public init(name: String, kind: Kind, title: String? = nil, description: String? = nil, required: Bool = false,
                choices: [ElicitationChoice]? = nil, minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil,
                format: String? = nil, minimum: Double? = nil, maximum: Double? = nil, minItems: Int? = nil, maxItems: Int? = nil,
                defaultValue: ElicitationValue? = nil) {
        self.name = name
        self.kind = kind
        self.title = title
        self.description = description
        self.required = required
        self.choices = choices
        self.minLength = minLength
        self.maxLength = maxLength
        self.pattern = pattern
        self.format = format
        self.minimum = minimum
        self.maximum = maximum
        self.minItems = minItems
        self.maxItems = maxItems
        self.defaultValue = defaultValue
    }

    /// What chat calls the field: its title, else its name.
    public var label: String { title.flatMap { $0.isEmpty ? nil : $0 } ?? name }

    /// True for fields chat answers with buttons (a single-select or a boolean); the others are
    /// answered by typing (the next message, or `/acp answer`).
    public var hasButtons: Bool {
        kind == .boolean || (kind == .string && choices != nil)
    }
}

/// One choice of a single- or multi-select: the value sent, and what chat shows.
public struct ElicitationChoice: Sendable, Equatable, Codable {
    public var value: String
    public var title: String

    /// A value with these parts (see the properties).
    public init(value: String, title: String? = nil) {
        self.value = value
        self.title = title ?? value
    }
}

/// A value of an elicitation answer (ACP `ElicitationContentValue`).
public enum ElicitationValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    case strings([String])

    /// How chat shows the value.
    public var description: String {
        switch self {
        case .string(let text): text
        case .integer(let value): String(value)
        case .number(let value): value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .boolean(let value): value ? "yes" : "no"
        case .strings(let values): values.joined(separator: ", ")
        }
    }
}
