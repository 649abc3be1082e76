import ACPControlPlane
import JSONKit
import RuntimeBackends

/// The agent-output framer: the same bytes give the same lines however the pipe cuts them
/// (chunks chosen from the input), no line holds `\n` (one trailing `\r` is the terminator's), blank lines are never
/// lines, a line over the limit is reported instead; each line then goes through the JSON parser
/// and the JSON-RPC decoder (see `JSONRPCFuzz`).
enum NDJSONFuzz {
    static let target = FuzzTarget(name: "ndjson", dictionary: ["\n", "\r\n", "\r", " \t\n", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n",
                                                                "{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{}}\n", "\u{2028}"]) { bytes throws(FuzzFailure) in
        let limit = 48
        var whole = NDJSONFramer(maxLineBytes: limit)
        let expected = outputs(&whole, chunks: [bytes[...]])
        var random = FuzzRandom(bytes: bytes)
        var chunks: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            let size = 1 + random.below(max(1, min(bytes.count - start, 1 + random.below(24))))
            chunks.append(bytes[start..<min(bytes.count, start + size)])
            start += size
        }
        var cut = NDJSONFramer(maxLineBytes: limit)
        let got = outputs(&cut, chunks: chunks)
        try fuzzCheck(got == expected, "chunking changed the lines: whole \(expected), in \(chunks.count) chunks \(got)")
        for output in expected {
            guard case .line(let line) = output else { continue }
            try fuzzCheck(!line.contains(0x0A), "a line holds a line feed: \(line)")
            try fuzzCheck(line.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }, "a blank line was delivered: \(line)")
            try fuzzCheck(line.count <= limit, "a line over the limit was delivered (\(line.count) bytes)")
            try JSONRPCFuzz.check(line)
        }
    }

    /// One framing result, comparable.
    enum Output: Equatable {
        case line([UInt8])
        case tooLong(String)
    }

    static func outputs(_ framer: inout NDJSONFramer, chunks: [ArraySlice<UInt8>]) -> [Output] {
        var result: [Output] = []
        let collect: (NDJSONFramer.Output) -> Void = { output in
            switch output {
            case .line(let line): result.append(.line(Array(line)))
            case .tooLong(let error): result.append(.tooLong(error.message))
            }
        }
        for chunk in chunks { chunk.withUnsafeBytes { framer.feed($0, collect) } }
        framer.finish(collect)
        return result
    }
}
