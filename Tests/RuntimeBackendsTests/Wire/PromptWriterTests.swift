import JSONKit
import Foundation
import Testing
import TestSupport
@testable import RuntimeBackends

/// `JSONRPCPromptWriter` (the `session/prompt` line written without JSONEncoder) must say exactly
/// what `JSONRPCEncoder` says, for every string JSON can hold, and be valid ACP.
@Suite("session/prompt direct writer vs JSONEncoder")
struct PromptWriterTests {
    /// Strings that stress escaping: every control character, quotes, backslashes, slashes,
    /// non-ASCII of every UTF-8 length, line/paragraph separators, emoji sequences, empty.
    static let tricky: [String] = [
        "", "hello", "\"", "\\", "\\\"", "\"\\\"", "/", "a/b</script>", "\u{0}", "\u{7f}", "\u{2028}\u{2029}",
        String((0..<0x20).map { Character(Unicode.Scalar($0)!) }), "tab\there\nnew\r\nline\u{8}\u{c}",
        "grüße", "日本語のテキスト", "😀🚀👩‍👩‍👧‍👦🏳️‍🌈", "e\u{301}", "\u{feff}bom", "\u{fffd}", "\u{10ffff}",
        "ends with backslash\\", "{\"json\":[1,2]}", String(repeating: "long text ", count: 500),
    ]

    /// Deterministic pseudo-random strings drawn from a pool of awkward scalars.
    static func randomStrings(count: Int, seed: UInt64) -> [String] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let pool: [Unicode.Scalar] = (0..<0x20).compactMap(Unicode.Scalar.init) + [
            "\"", "\\", "/", " ", "a", "Z", "0", "\u{7f}", "\u{80}", "é", "\u{7ff}", "\u{800}", "€", "\u{2028}",
            "\u{d7ff}", "\u{e000}", "\u{fffd}", "\u{ffff}", "\u{10000}", "😀", "\u{10ffff}", "\u{200d}", "\u{301}",
        ]
        return (0..<count).map { _ in
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(next() % 40) { text.append(pool[Int(next() % UInt64(pool.count))]) }
            return String(text)
        }
    }

    static var strings: [String] { tricky + randomStrings(count: 300, seed: 42) }

    /// One prompt of every block shape the writer spells out, built around `text`.
    static func prompts(_ text: String) -> [[WireContentBlock]] {
        [
            [],
            [.text(.init(text: text))],
            [.text(.init(text: text)), .text(.init(text: ""))],
            [.resourceLink(.init(uri: "file:///\(text)", name: text, mimeType: nil, title: nil, description: nil, size: nil, annotations: nil))],
            [.resourceLink(.init(uri: "https://x/y?q=\(text)", name: "n", mimeType: "text/plain", title: text,
                                 description: text, size: 1_234_567_890_123, annotations: nil))],
            [.image(.init(data: "iVBORw0KGgo=", mimeType: "image/png", uri: nil, annotations: nil)), .text(.init(text: text))],
            [.image(.init(data: "AAAA", mimeType: "image/\(text)", uri: "file:///\(text)", annotations: nil))],
            [.audio(.init(data: "UklGRg==", mimeType: "audio/wav", annotations: nil))],
            [.resource(.init(resource: .init(uri: "file:///a.txt", mimeType: nil, text: text, blob: nil), annotations: nil))],
            [.resource(.init(resource: .init(uri: "file:///\(text)", mimeType: "application/octet-stream", text: nil, blob: "AQID"),
                             annotations: nil))],
        ]
    }

    static let ids: [RequestID] = [.int(0), .int(7), .int(Int64.max), .string("req-\"1\"\\/"), .null]

    /// Every (id, prompt) pair checked: the strings × shapes, each with one of the ids.
    static var requests: [(RequestID, PromptRequest)] {
        var out: [(RequestID, PromptRequest)] = []
        for (index, text) in strings.enumerated() {
            for prompt in prompts(text) {
                out.append((ids[(index + out.count) % ids.count], PromptRequest(sessionId: text.isEmpty ? "s" : text, prompt: prompt)))
            }
        }
        return out
    }

    @Test("the direct line parses to what JSONEncoder's line parses to, as one UTF-8 line")
    func sameValueAsEncoder() throws {
        let requests = Self.requests
        #expect(requests.count > 3_000)
        for (id, request) in requests {
            let direct = try #require(JSONRPCPromptWriter.request(id: id, request))
            let encoded = try JSONRPCEncoder.request(id: id, method: "session/prompt", params: request)
            #expect(!direct.contains(0x0A), "raw newline in \(String(decoding: direct, as: UTF8.self))")
            #expect(String(validating: direct, as: UTF8.self) != nil)
            let ours = try JSONParser.parse(direct)
            #expect(ours == (try JSONParser.parse(encoded)), "\(String(decoding: direct, as: UTF8.self))")
            // And back through the wire types: the same request.
            #expect(try JSONValueDecoder.decode(PromptRequest.self, from: try #require(ours["params"])) == request)
        }
    }

    @Test("escapes are \\n \\r \\t and \\u00xx (JSONStringLiteral), the rest is raw UTF-8")
    func escapeSpelling() throws {
        let request = PromptRequest(sessionId: "s", prompt: [.text(.init(text: "a\"b\\c/d\u{1}\u{1f}\n\t\u{8}\u{c}\r é😀\u{7f}"))])
        let line = String(decoding: try #require(JSONRPCPromptWriter.request(id: .int(3), request)), as: UTF8.self)
        #expect(line == #"{"jsonrpc":"2.0","id":3,"method":"session/prompt","params":{"sessionId":"s","prompt":[{"type":"text","text":"a\"b\\c/d\u0001\u001f\n\t\u0008\u000c\r é😀"# + "\u{7f}" + #""}]}}"#)
    }

    @Test("annotations and unknown blocks are left to the encoder")
    func fallbackShapes() {
        let annotated = PromptRequest(sessionId: "s", prompt: [.text(.init(text: "x", annotations: ["priority": 1]))])
        let unknown = PromptRequest(sessionId: "s", prompt: [.text(.init(text: "x")), .unknown(["type": "future", "v": 1])])
        #expect(JSONRPCPromptWriter.request(id: .int(1), annotated) == nil)
        #expect(JSONRPCPromptWriter.request(id: .int(1), unknown) == nil)
    }

    @Test("the direct lines are valid ACP session/prompt requests (validate_acp.py)")
    func validAgainstSchema() async throws {
        try await withTemporaryDirectory { directory in
            // A sample of the shapes: the validator is slow per line, the writer is checked above.
            let sample = Self.requests.enumerated().filter { $0.offset % 7 == 0 }.map(\.element)
            let lines = try sample.map { id, request in
                String(decoding: try #require(JSONRPCPromptWriter.request(id: id, request)), as: UTF8.self)
            }
            let file = directory.appendingPathComponent("prompts.ndjson")
            try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            let result = try await DemoAgentTool.validate(file, side: "client")
            #expect(result.status == 0, "\(result.output)")
        }
    }
}
