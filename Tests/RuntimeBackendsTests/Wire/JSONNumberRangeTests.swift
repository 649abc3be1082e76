import JSONKit
import Testing

/// Numbers beyond Double's range: found by the `jsonrpc` fuzz target (Tests/Fuzz), which saw
/// `1e400` parse to infinity and the writer emit `inf`, text no JSON parser reads back.
@Suite("JSON numbers out of range")
struct JSONNumberRangeTests {
    @Test("a number that would be infinite is a syntax error", arguments: [
        "1e400", "-1e400", "[1,2e999]", "{\"usage\":{\"cost\":1E+309}}", "2000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    ])
    func outOfRange(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("the largest and smallest finite doubles, and underflow to zero, parse and write back to the same value", arguments: [
        "1.7976931348623157e308", "-1.7976931348623157e308", "5e-324", "1e-400", "[0.1,-0.0,123456789012345678901234567890]",
    ])
    func inRange(_ text: String) throws {
        let value = try JSONParser.parse(Array(text.utf8))
        let written = value.jsonText()
        #expect(try JSONParser.parse(Array(written.utf8)) == value, "\(text) → \(written)")
    }
}
