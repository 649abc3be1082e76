/// JSON string literals written straight into a byte buffer, for the JSON that acpd writes by
/// hand on every message's path (the store's prompt and submit-result JSON, the agent's
/// `session/prompt` line) instead of through `JSONEncoder`.
public enum JSONStringLiteral {
    /// Appends `text` as a JSON string literal: quote, backslash and the control characters
    /// U+0000–U+001F escaped (`\n \r \t` in their short form, the others as `\u00xx`), every other
    /// character as its UTF-8 bytes. Works on the UTF-8 bytes and copies each run that needs no
    /// escape at once. The result parses back to `text` with any JSON parser.
    public static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            out.reserveCapacity(out.count + utf8.count + 2)
            out.append(UInt8(ascii: "\""))
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                runStart = index + 1
                appendEscape(byte, to: &out)
            }
            if runStart < utf8.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
            out.append(UInt8(ascii: "\""))
        }
    }

    /// `text` as a JSON string literal (see `append(_:to:)`).
    public static func make(_ text: String) -> String {
        var out: [UInt8] = []
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                    hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
        }
    }
}
