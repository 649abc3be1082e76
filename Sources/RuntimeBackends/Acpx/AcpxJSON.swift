import Foundation

/// A parsed JSON value, as read from one line of `acpx --format json` output.
///
/// acpx prints raw ACP JSON-RPC messages and small control-command objects whose shape varies by
/// version, so the parsers below walk a generic tree and read only the fields they know, ignoring
/// everything else.
enum AcpxJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([AcpxJSON])
    case object([String: AcpxJSON])

    /// Parses one line of text; nil when it is not valid JSON.
    static func parse(_ line: some StringProtocol) -> AcpxJSON? {
        guard let data = String(line).data(using: .utf8), !data.isEmpty else { return nil }
        return try? JSONDecoder().decode(AcpxJSON.self, from: data)
    }

    subscript(key: String) -> AcpxJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var objectValue: [String: AcpxJSON]? {
        if case .object(let members) = self { return members }
        return nil
    }

    var arrayValue: [AcpxJSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The number as an integer when it is one exactly.
    var intValue: Int? {
        if case .number(let number) = self, number.rounded() == number, abs(number) < 1e15 { return Int(number) }
        return nil
    }

    var doubleValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    var isNull: Bool { self == .null }

    /// A non-empty, trimmed string, or nil.
    var nonEmptyString: String? {
        guard let text = stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }
}

extension AcpxJSON: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([AcpxJSON].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: AcpxJSON].self))
        }
    }
}

/// A JSON-RPC id (integer or string), compared by type and value as JSON-RPC requires.
enum AcpxRequestID: Sendable, Hashable, CustomStringConvertible {
    case number(Int)
    case string(String)

    init?(_ json: AcpxJSON?) {
        guard let json else { return nil }
        if let number = json.intValue {
            self = .number(number)
        } else if let text = json.stringValue {
            self = .string(text)
        } else {
            return nil
        }
    }

    var description: String {
        switch self {
        case .number(let number): String(number)
        case .string(let text): "\"\(text)\""
        }
    }
}
