@testable import ACPControlPlane
import Foundation
import Testing

/// The store's hand-written JSON decodes, through the types' own `Codable`, to exactly what was written.
struct StoredJSONTests {
    static let awkward = [
        "", "plain", "quote \" and backslash \\ and slash /", "line\nbreak\r\ntab\t", "\u{0}\u{1}\u{1F}\u{7F}",
        "grüße 🚀 naïve – 日本語 👩🏽‍💻", "{\"looks\":[\"like\",\"json\"]}", "\\u0041 is not decoded twice",
    ]

    @Test("every content block, with awkward text and with and without optional fields", arguments: awkward)
    func promptRoundTrip(text: String) throws {
        let blocks: [ContentBlock] = [
            .text(text), .resourceLink(uri: "file:///\(text)", name: text, mimeType: nil),
            .resourceLink(uri: "https://x", name: "n", mimeType: "text/plain"), .image(base64: "aGk=", mimeType: text),
            .audio(base64: "", mimeType: "audio/wav"), .embeddedText(uri: "u", text: text, mimeType: nil),
            .embeddedText(uri: "u", text: text, mimeType: "text/markdown"),
        ]
        let json = StoredJSON.prompt(blocks)
        #expect(try JSONDecoder().decode([ContentBlock].self, from: Data(json.utf8)) == blocks, "\(json)")
        #expect(try JSONSerialization.jsonObject(with: Data(json.utf8)) is [Any])
    }

    @Test("string escapes: the short forms for \\n \\r \\t, \\u00xx for other controls, the rest as is")
    func stringEscapes() {
        #expect(StoredJSON.string("a\"b\\c/\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é😀")
                == #""a\"b\\c/\n\r\t\u0008\u000c\u0001\u001f"# + "\u{7f}é😀\"")
        #expect(StoredJSON.string("") == #""""#)
        #expect(StoredJSON.string("\\") == #""\\""#)
    }

    @Test("an empty prompt and a submit result")
    func emptyAndSubmit() throws {
        #expect(try JSONDecoder().decode([ContentBlock].self, from: Data(StoredJSON.prompt([]).utf8)).isEmpty)
        for result in [SubmitResult(runId: RunID(), position: 0, replayed: false), SubmitResult(runId: RunID(), position: 7, replayed: true)] {
            let json = StoredJSON.submitResult(result)
            #expect(try JSONDecoder().decode(SubmitResult.self, from: Data(json.utf8)) == result, "\(json)")
        }
    }
}
