import ACPControlPlane
import JSONKit

/// Typed reads of loosely shaped JSON (acpx's control-command objects and error envelopes, whose
/// fields vary between releases). Each accessor is nil when the value has another type.
extension JSONValue {
    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as an `Int` when it is an integer (a double only when exactly integral).
    var intValue: Int? {
        switch self {
        case .int(let value): Int(exactly: value)
        case .double(let value): Int(exactly: value)
        default: nil
        }
    }

    var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// The string trimmed of surrounding whitespace, or nil when that leaves nothing.
    var nonEmptyString: String? {
        guard let text = stringValue?.trimmingWhitespace(), !text.isEmpty else { return nil }
        return text
    }
}
