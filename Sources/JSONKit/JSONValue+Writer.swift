/// JSON text of a `JSONValue`, byte for byte what Foundation's `JSONSerialization` (Linux) writes
/// for the same value with the same options, without Foundation.
///
/// - Pretty output indents by two spaces and writes `"key" : value`; an empty object or array
///   is written `{` newline newline `}` (as JSONSerialization does).
/// - Sorted keys compare case-insensitively with runs of digits compared as numbers, a
///   lowercase letter before its uppercase (`ab` before `aB`), like JSONSerialization's
///   `.sortedKeys`. Among ASCII punctuation the order is by code point, where JSONSerialization
///   follows ICU collation (`a_b` before `a-b`); acpd writes no such keys.
/// - Strings escape `"`, `\`, `\b`, `\f`, `\n`, `\r`, `\t` and other controls as `\u00xx`;
///   `/` becomes `\/` unless `escapeSlashes` is false; everything else is written as UTF-8.
/// - Integral doubles are written without a fraction (`3`); other doubles use Swift's shortest
///   round-trip form, where JSONSerialization writes `%g`-like exponents (`1e+20`).
extension JSONValue {
    /// Output options of `jsonText`, named after `JSONSerialization.WritingOptions`.
    public struct WritingOptions: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Newlines and a two-space indent.
        public static let prettyPrinted = WritingOptions(rawValue: 1 << 0)
        /// Object members in key order instead of insertion order.
        public static let sortedKeys = WritingOptions(rawValue: 1 << 1)
        /// `/` written as is instead of `\/`.
        public static let withoutEscapingSlashes = WritingOptions(rawValue: 1 << 2)
    }

    /// The JSON text of this value (no trailing newline).
    public func jsonText(options: WritingOptions = []) -> String {
        var out = ""
        write(into: &out, options: options, level: 0)
        return out
    }

    private func write(into out: inout String, options: WritingOptions, level: Int) {
        let pretty = options.contains(.prettyPrinted)
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value): out += Self.number(value)
        case .string(let value): Self.quote(value, into: &out, escapeSlashes: !options.contains(.withoutEscapingSlashes))
        case .array(let values):
            out += "["
            if pretty { out += "\n" }
            for (offset, value) in values.enumerated() {
                if offset > 0 { out += pretty ? ",\n" : "," }
                if pretty { Self.indent(level + 1, into: &out) }
                value.write(into: &out, options: options, level: level + 1)
            }
            if pretty { out += "\n"; Self.indent(level, into: &out) }
            out += "]"
        case .object(let object):
            // Each key once, at its first place, with its last value (JSONObject's lookup rule).
            let values = Dictionary(object.members, uniquingKeysWith: { _, last in last })
            var seen = Set<String>()
            var members = object.members.compactMap { seen.insert($0.key).inserted ? ($0.key, values[$0.key]!) : nil }
            if options.contains(.sortedKeys) { members.sort { Self.keyPrecedes($0.0, $1.0) } }
            out += "{"
            if pretty { out += "\n" }
            for (offset, member) in members.enumerated() {
                if offset > 0 { out += pretty ? ",\n" : "," }
                if pretty { Self.indent(level + 1, into: &out) }
                Self.quote(member.0, into: &out, escapeSlashes: !options.contains(.withoutEscapingSlashes))
                out += pretty ? " : " : ":"
                member.1.write(into: &out, options: options, level: level + 1)
            }
            if pretty { out += "\n"; Self.indent(level, into: &out) }
            out += "}"
        }
    }

    private static func indent(_ level: Int, into out: inout String) {
        out += String(repeating: "  ", count: level)
    }

    private static func number(_ value: Double) -> String {
        if value.isFinite, value.rounded() == value, let integer = Int64(exactly: value) { return String(integer) }
        return value.description
    }

    private static func quote(_ text: String, into out: inout String, escapeSlashes: Bool) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/" where escapeSlashes: out += "\\/"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// JSONSerialization's `.sortedKeys` order for the keys acpd writes: case-insensitive, digit
    /// runs by numeric value, then lowercase before uppercase, then code point.
    package static func keyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.unicodeScalars), right = Array(rhs.unicodeScalars)
        var i = 0, j = 0
        while i < left.count, j < right.count {
            if isDigit(left[i]), isDigit(right[j]) {
                let leftEnd = left[i...].firstIndex { !isDigit($0) } ?? left.count
                let rightEnd = right[j...].firstIndex { !isDigit($0) } ?? right.count
                let a = left[i..<leftEnd].drop { $0 == "0" }, b = right[j..<rightEnd].drop { $0 == "0" }
                if a.count != b.count { return a.count < b.count }
                if let (x, y) = zip(a, b).first(where: { $0 != $1 }) { return x.value < y.value }
                i = leftEnd
                j = rightEnd
                continue
            }
            let a = folded(left[i]), b = folded(right[j])
            if a != b { return a < b }
            i += 1
            j += 1
        }
        if (left.count - i) != (right.count - j) { return left.count - i < right.count - j }
        // Equal ignoring case and digit padding: lowercase first, then by code point.
        for (a, b) in zip(left, right) where a != b {
            let aLower = a.properties.isLowercase, bLower = b.properties.isLowercase
            if aLower != bLower { return aLower }
            return a.value < b.value
        }
        return left.count < right.count
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    private static func folded(_ scalar: Unicode.Scalar) -> UInt32 {
        ("A"..."Z").contains(scalar) ? scalar.value + 0x20 : scalar.value
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// A string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer value.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A boolean value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array value.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object value, members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(members: elements.map { (key: $0.0, value: $0.1) }))
    }

    /// The string, or JSON null when absent.
    public init(_ value: String?) { self = value.map(JSONValue.string) ?? .null }
    /// An integer value.
    public init(_ value: Int) { self = .int(Int64(value)) }
    /// A boolean value.
    public init(_ value: Bool) { self = .bool(value) }
    /// An array of strings.
    public init(_ values: [String]) { self = .array(values.map(JSONValue.string)) }
    /// An object with `members` (in the dictionary's order: write it with `.sortedKeys`).
    public init(_ members: [String: JSONValue]) {
        self = .object(JSONObject(members: members.map { (key: $0.key, value: $0.value) }))
    }
}
