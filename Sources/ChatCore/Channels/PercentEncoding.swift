/// Percent-encoding of URI paths (RFC 3986), without Foundation.
public enum PercentEncoding {
    /// `text` with every byte outside RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`),
    /// and outside `keeping`, written as `%XX` (uppercase hex, UTF-8 bytes).
    public static func encode(_ text: some StringProtocol, keeping: Set<UInt8> = []) -> String {
        let hex = Array("0123456789ABCDEF".unicodeScalars)
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case _ where keeping.contains(byte):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return encoded
    }
}
