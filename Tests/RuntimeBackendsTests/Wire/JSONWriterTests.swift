import JSONKit
import Foundation
import Testing
@testable import RuntimeBackends

/// `JSONValue.jsonText` must write what Foundation's JSONSerialization wrote for acpd's
/// `--json` listings and HTTP API bodies (it replaced it to keep Foundation out of acpd).
@Suite("JSON writer matches JSONSerialization")
struct JSONWriterTests {
    /// The same value as a JSONValue and as a JSONSerialization object.
    private static var samples: [(JSONValue, Any)] { [
        (["status": "ok"], ["status": "ok"]),
        ([:], [String: Any]()),
        ([], [Any]()),
        (["a": [], "b": [:], "c": [[:], []]], ["a": [Any](), "b": [String: Any](), "c": [[String: Any](), [Any]()]]),
        (["sessions": [["key": "agent:demo:1", "label": .null, "bindings": ["console:local"], "n": 3, "on": true, "off": false]]],
         ["sessions": [["key": "agent:demo:1", "label": NSNull(), "bindings": ["console:local"], "n": 3, "on": true, "off": false]]]),
        (["text": "a/b \"q\" \\ \n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f} é 😀 \u{2028}"],
         ["text": "a/b \"q\" \\ \n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f} é 😀 \u{2028}"]),
        (["seq": .int(Int64.max), "neg": -42, "zero": 0, "double": .double(3), "half": .double(1.5)],
         ["seq": Int64.max, "neg": -42, "zero": 0, "double": 3.0, "half": 1.5]),
        // Key order: case-insensitive, numeric digit runs, lowercase first on a tie.
        (["b": 1, "B": 2, "a10": 3, "a9": 4, "ab": 5, "aB": 6, "Zed": 7, "lastActivityAt": 8, "lastErrorCode": 9, "label": 10,
          "runId": 11, "running": 12, "createdAt": 13, "conversation": 14, "x": ["k": ["y": 1]]],
         ["b": 1, "B": 2, "a10": 3, "a9": 4, "ab": 5, "aB": 6, "Zed": 7, "lastActivityAt": 8, "lastErrorCode": 9, "label": 10,
          "runId": 11, "running": 12, "createdAt": 13, "conversation": 14, "x": ["k": ["y": 1]]]),
    ] }

    private static let optionSets: [(JSONValue.WritingOptions, JSONSerialization.WritingOptions)] = [
        ([.prettyPrinted, .sortedKeys, .withoutEscapingSlashes], [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
        ([.sortedKeys, .withoutEscapingSlashes], [.sortedKeys, .withoutEscapingSlashes]),
        ([.sortedKeys], [.sortedKeys]),
        ([.prettyPrinted, .sortedKeys], [.prettyPrinted, .sortedKeys]),
    ]

    @Test("byte-identical output", arguments: samples.indices)
    func sameBytes(index: Int) throws {
        let (value, object) = Self.samples[index]
        for (ours, theirs) in Self.optionSets {
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: object, options: theirs), as: UTF8.self)
            #expect(value.jsonText(options: ours) == expected, "options \(theirs.rawValue)")
        }
    }

    @Test("a lone string (the embedded config's agent path) is quoted like JSONSerialization quotes it in an array")
    func loneString() throws {
        let text = "/opt/acpd/bin/acpd-demo-agent \"x\""
        let array = String(decoding: try JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]), as: UTF8.self)
        #expect(JSONValue.string(text).jsonText(options: [.withoutEscapingSlashes]) == String(array.dropFirst().dropLast()))
    }

    @Test("insertion order without sortedKeys; a duplicate key keeps its first place and last value")
    func insertionOrder() throws {
        let parsed = try JSONParser.parse(Array(#"{"b":1,"a":2,"b":3}"#.utf8))
        #expect(parsed.jsonText() == #"{"b":3,"a":2}"#)
    }

    @Test("written text parses back to the same value")
    func roundTrip() throws {
        for (value, _) in Self.samples {
            #expect(try JSONParser.parse(Array(value.jsonText(options: [.prettyPrinted, .sortedKeys]).utf8)) == value)
        }
    }
}
