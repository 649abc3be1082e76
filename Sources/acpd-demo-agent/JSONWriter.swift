/// Serialises `JSON` to compact UTF-8 bytes (one NDJSON line, without the newline).
///
/// With `asciiOnly` every character outside printable ASCII is written as `\uXXXX`, astral
/// characters as UTF-16 surrogate pairs — byte for byte what Python's `json.dumps` does with
/// `ensure_ascii=True` (lower-case hex). Otherwise non-ASCII text is written as raw UTF-8 and only
/// `"`, `\` and control characters are escaped.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    let asciiOnly: Bool

    init(asciiOnly: Bool = false, reserve: Int = 256) {
        self.asciiOnly = asciiOnly
        bytes.reserveCapacity(reserve)
    }

    /// Encodes `value` followed by `\n`.
    static func line(_ value: JSON, asciiOnly: Bool = false) -> [UInt8] {
        var writer = JSONWriter(asciiOnly: asciiOnly, reserve: value.estimatedSize + 1)
        writer.write(value)
        writer.bytes.append(0x0A)
        return writer.bytes
    }

    mutating func write(_ value: JSON) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .int(let i): append(String(i))
        case .double(let d): append(d.isFinite ? String(d) : "null")
        case .string(let s): writeString(s)
        case .preEscapedString(let raw):
            bytes.append(0x22)
            bytes.append(contentsOf: raw)
            bytes.append(0x22)
        case .array(let items):
            bytes.append(0x5B)
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                write(item)
            }
            bytes.append(0x5D)
        case .object(let members):
            bytes.append(0x7B)
            for (index, member) in members.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                writeString(member.0)
                bytes.append(0x3A)
                write(member.1)
            }
            bytes.append(0x7D)
        }
    }

    private mutating func append(_ ascii: String) {
        bytes.append(contentsOf: ascii.utf8)
    }

    private mutating func writeString(_ string: String) {
        bytes.append(0x22)
        if asciiOnly {
            for scalar in string.unicodeScalars {
                let v = scalar.value
                if v >= 0x20 && v < 0x7F {
                    if !writeShortEscape(UInt8(v)) { bytes.append(UInt8(v)) }
                } else if v < 0x20, writeShortEscape(UInt8(v)) {
                    continue
                } else if v <= 0xFFFF {
                    writeUnicodeEscape(UInt16(v))
                } else {
                    let u = v - 0x10000
                    writeUnicodeEscape(UInt16(0xD800 + (u >> 10)))
                    writeUnicodeEscape(UInt16(0xDC00 + (u & 0x3FF)))
                }
            }
        } else {
            var string = string
            string.withUTF8 { utf8 in
                // Copy runs of bytes that need no escaping in bulk (multi-megabyte texts).
                var runStart = 0
                for index in 0..<utf8.count {
                    let byte = utf8[index]
                    guard byte == 0x22 || byte == 0x5C || byte < 0x20 else { continue }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                    if !writeShortEscape(byte) { writeUnicodeEscape(UInt16(byte)) }
                    runStart = index + 1
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
            }
        }
        bytes.append(0x22)
    }

    /// Writes the two-character escape of `byte` if it has one (`\"`, `\\`, `\n`, …).
    private mutating func writeShortEscape(_ byte: UInt8) -> Bool {
        let escaped: UInt8
        switch byte {
        case 0x22: escaped = 0x22
        case 0x5C: escaped = 0x5C
        case 0x0A: escaped = 0x6E  // n
        case 0x0D: escaped = 0x72  // r
        case 0x09: escaped = 0x74  // t
        case 0x08: escaped = 0x62  // b
        case 0x0C: escaped = 0x66  // f
        default: return false
        }
        bytes.append(0x5C)
        bytes.append(escaped)
        return true
    }

    private mutating func writeUnicodeEscape(_ unit: UInt16) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        bytes.append(0x5C)
        bytes.append(0x75)  // u
        bytes.append(hex[Int(unit >> 12) & 0xF])
        bytes.append(hex[Int(unit >> 8) & 0xF])
        bytes.append(hex[Int(unit >> 4) & 0xF])
        bytes.append(hex[Int(unit) & 0xF])
    }
}

extension JSON {
    /// A cheap lower bound of the encoded size, used to reserve the output buffer once.
    var estimatedSize: Int {
        switch self {
        case .preEscapedString(let raw): raw.count + 2
        case .string(let s): s.utf8.count + 2
        case .array(let items): items.reduce(2) { $0 + $1.estimatedSize + 1 }
        case .object(let members): members.reduce(2) { $0 + $1.0.utf8.count + 4 + $1.1.estimatedSize }
        default: 8
        }
    }
}
