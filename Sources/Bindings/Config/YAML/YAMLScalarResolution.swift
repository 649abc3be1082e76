/// YAML 1.1 implicit typing of plain scalars, as the config loader has always read them (the
/// rules of the YAML 1.1 type repository: bool, int, float, merge, null, timestamp, value; the first
/// that matches wins, anything else is a string). Hand-written matchers over the UTF-8 bytes: every
/// rule is ASCII, so text with other characters is a string.
///
/// The schema validator types scalars with its own narrower rule (see `SchemaValidator`); this is
/// what decides whether two mapping keys are the same key (`1` and `"1"` are not; `a` and `"a"` are).
enum YAMLScalarResolution {
    static let str = "tag:yaml.org,2002:str"

    /// The resolved tag of an untagged plain scalar.
    static func tag(ofPlain text: String) -> String {
        let bytes = Array(text.utf8)
        let kind: String
        if isBool(text) { kind = "bool" }
        else if isInt(bytes) { kind = "int" }
        else if isFloat(bytes) { kind = "float" }
        else if text == "<<" { kind = "merge" }
        else if isNull(text) { kind = "null" }
        else if isTimestamp(bytes) { kind = "timestamp" }
        else if text == "=" { kind = "value" }
        else { return str }
        return "tag:yaml.org,2002:" + kind
    }

    static func isNull(_ text: String) -> Bool { ["", "~", "null", "Null", "NULL"].contains(text) }

    static func isBool(_ text: String) -> Bool {
        ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
         "on", "On", "ON", "off", "Off", "OFF"].contains(text)
    }

    /// `[-+]?` then binary `0b…`, octal `0…`/`0o…`, decimal, hex `0x…`, or sexagesimal `1:30`.
    static func isInt(_ bytes: [UInt8]) -> Bool {
        var scan = ByteScanner(bytes)
        scan.skipSign()
        let body = scan
        if scan.take("0"), scan.take("b"), scan.takeMany(where: { $0 == .zero || $0 == .one || $0 == .underscore }) > 0, scan.atEnd { return true }
        scan = body
        if scan.take("0"), scan.take("x"), scan.takeMany(where: { $0.isHexDigit || $0 == .underscore }) > 0, scan.atEnd { return true }
        scan = body
        if scan.take("0") {
            _ = scan.take("o")
            if scan.takeMany(where: { ($0 >= .zero && $0 <= .seven) || $0 == .underscore }) > 0, scan.atEnd { return true }
        }
        scan = body
        if scan.take("0"), scan.atEnd { return true }
        scan = body
        guard scan.take(where: { $0 >= .one && $0 <= .nine }) else { return false }
        _ = scan.takeMany(where: { $0.isDigit || $0 == .underscore })
        if scan.atEnd { return true }
        return scan.takeSexagesimalGroups() && scan.atEnd
    }

    static func isFloat(_ bytes: [UInt8]) -> Bool {
        var scan = ByteScanner(bytes)
        // \.[0-9_]+([eE][-+][0-9]+)?, \.(nan|NaN|NAN) and unsigned \.(inf|Inf|INF)
        if scan.take(".") {
            if ["nan", "NaN", "NAN", "inf", "Inf", "INF"].contains(scan.rest) { return true }
            guard scan.takeMany(where: { $0.isDigit || $0 == .underscore }) > 0 else { return false }
            if scan.atEnd { return true }
            guard scan.take(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }),
                  scan.take(where: { $0 == .plus || $0 == .minus }),
                  scan.takeMany(where: \.isDigit) > 0 else { return false }
            return scan.atEnd
        }
        scan.skipSign()
        // [-+]?\.(inf|Inf|INF)
        if scan.take(".") { return ["inf", "Inf", "INF"].contains(scan.rest) }
        guard scan.take(where: \.isDigit) else { return false }
        _ = scan.takeMany(where: { $0.isDigit || $0 == .underscore })
        let afterDigits = scan
        // [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
        if scan.takeSexagesimalGroups() {
            guard scan.take(".") else { return false }
            _ = scan.takeMany(where: { $0.isDigit || $0 == .underscore })
            return scan.atEnd
        }
        // [-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?
        scan = afterDigits
        if scan.take(".") { _ = scan.takeMany(where: { $0.isDigit || $0 == .underscore }) }
        if scan.take(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            _ = scan.take(where: { $0 == .plus || $0 == .minus })
            guard scan.takeMany(where: \.isDigit) > 0 else { return false }
        }
        return scan.atEnd
    }

    /// `2001-12-14`, or `2001-12-14t21:59:43.10-05:00` and its spaced and zoned variants.
    static func isTimestamp(_ bytes: [UInt8]) -> Bool {
        var scan = ByteScanner(bytes)
        guard scan.takeDigits(4...4), scan.take("-") else { return false }
        let month = scan
        if scan.takeDigits(2...2), scan.take("-"), scan.takeDigits(2...2), scan.atEnd { return true }
        scan = month
        guard scan.takeDigits(1...2), scan.take("-"), scan.takeDigits(1...2) else { return false }
        if !scan.take(where: { $0 == UInt8(ascii: "T") || $0 == UInt8(ascii: "t") }) {
            guard scan.takeMany(where: { $0 == .space || $0 == .tab }) > 0 else { return false }
        }
        guard scan.takeDigits(1...2), scan.take(":"), scan.takeDigits(2...2), scan.take(":"), scan.takeDigits(2...2) else { return false }
        if scan.take(".") { _ = scan.takeMany(where: \.isDigit) }
        if scan.atEnd { return true }
        _ = scan.takeMany(where: { $0 == .space || $0 == .tab })
        if scan.take("Z") { return scan.atEnd }
        guard scan.take(where: { $0 == .plus || $0 == .minus }), scan.takeDigits(1...2) else { return false }
        if scan.take(":") { guard scan.takeDigits(2...2) else { return false } }
        return scan.atEnd
    }
}

/// A forward-only cursor over bytes for the resolution rules above. Every `take` consumes only
/// on success; a copy of the scanner is a saved position.
private struct ByteScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }
    var rest: String { String(decoding: bytes[index...], as: UTF8.self) }

    mutating func take(where predicate: (UInt8) -> Bool) -> Bool {
        guard index < bytes.count, predicate(bytes[index]) else { return false }
        index += 1
        return true
    }

    mutating func take(_ character: Unicode.Scalar) -> Bool { take(where: { $0 == UInt8(ascii: character) }) }

    /// Consumes as many matching bytes as there are; returns how many.
    mutating func takeMany(where predicate: (UInt8) -> Bool) -> Int {
        let start = index
        while take(where: predicate) {}
        return index - start
    }

    mutating func skipSign() { _ = take(where: { $0 == .plus || $0 == .minus }) }

    /// Exactly a count of digits in `range`, not followed by another digit.
    mutating func takeDigits(_ range: ClosedRange<Int>) -> Bool {
        let saved = index
        let count = takeMany(where: \.isDigit)
        guard range.contains(count) else { index = saved; return false }
        return true
    }

    /// `(:[0-5]?[0-9])+`: one or more groups of a colon and one or two digits (the first of two at most 5).
    mutating func takeSexagesimalGroups() -> Bool {
        var groups = 0
        while index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            let saved = index
            index += 1
            let start = index
            let count = takeMany(where: \.isDigit)
            guard count == 1 || (count == 2 && bytes[start] <= UInt8(ascii: "5")) else { index = saved; break }
            groups += 1
        }
        return groups > 0
    }
}

private extension UInt8 {
    static let zero = UInt8(ascii: "0"), one = UInt8(ascii: "1"), seven = UInt8(ascii: "7"), nine = UInt8(ascii: "9")
    static let underscore = UInt8(ascii: "_"), plus = UInt8(ascii: "+"), minus = UInt8(ascii: "-")
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
    var isDigit: Bool { self >= .zero && self <= .nine }
    var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
