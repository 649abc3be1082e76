import JSONKit
import ACPControlPlane
import Foundation
import Testing

@Suite("JSONStringLiteral")
struct JSONStringLiteralTests {
    @Test("exact bytes of each escape", arguments: [
        ("plain", #""plain""#),
        ("", #""""#),
        ("a\"b", #""a\"b""#),
        ("back\\slash", #""back\\slash""#),
        ("line\nfeed\r\ttab", #""line\nfeed\r\ttab""#),
        ("\u{00}\u{08}\u{0C}\u{1F}", #""\u0000\u0008\u000c\u001f""#),
        ("/ é 🙂 \u{2028}", "\"/ é 🙂 \u{2028}\""),
    ])
    func exactBytes(text: String, expected: String) {
        #expect(JSONStringLiteral.make(text) == expected)
        var buffer: [UInt8] = Array("x".utf8)
        JSONStringLiteral.append(text, to: &buffer)
        #expect(buffer == Array(("x" + expected).utf8), "append keeps what the buffer held")
    }

    @Test("every string parses back to itself")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        var samples = (0..<0x80).map { String(UnicodeScalar(UInt8($0))) }
        for _ in 0..<500 {
            let length = Int.random(in: 0...40, using: &generator)
            let scalars = (0..<length).map { _ -> Character in
                let pick = Int.random(in: 0..<4, using: &generator)
                let value: UInt32 = switch pick {
                case 0: UInt32.random(in: 0..<0x20, using: &generator)
                case 1: UInt32.random(in: 0x20..<0x80, using: &generator)
                case 2: UInt32.random(in: 0x80..<0xD800, using: &generator)
                default: UInt32.random(in: 0x1F300..<0x1F600, using: &generator)
                }
                return Character(UnicodeScalar(value)!)
            }
            samples.append(String(scalars))
        }
        for text in samples {
            let literal = JSONStringLiteral.make(text)
            #expect(!literal.utf8.contains(0x0A), "no raw newline in \(literal.debugDescription)")
            let decoded = try JSONDecoder().decode(String.self, from: Data(literal.utf8))
            #expect(decoded == text)
        }
    }
}
