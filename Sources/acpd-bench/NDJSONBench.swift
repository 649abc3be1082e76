import JSONKit
import Foundation
import RuntimeBackends

/// Framing + decoding of `session/update` `agent_message_chunk` lines on one core, fed in 64 KiB
/// reads as they come from a pipe; then the same bytes through the official Python SDK's client
/// connection (scripts/bench/python_sdk_decode.py) for comparison.
enum NDJSONBench {
    static func run(_ arguments: [String]) async throws {
        let options = BenchOptions(arguments)
        let count = options.int("messages", default: 1_000_000)
        let pyCount = options.int("python-messages", default: 100_000)
        let rounds = options.int("rounds", default: 5)
        let stream = makeStream(count: count)
        var swiftRate = 0.0
        print("ndjson: \(count) agent_message_chunk lines, \(stream.count) bytes, \(rounds) rounds, 64 KiB reads")

        // Breakdown: framing only, framing + JSON parse, framing + parse + typed ACP decode (the real path).
        for phase in Phase.allCases {
            var best = Double.infinity
            for _ in 0..<rounds {
                let start = monotonicSeconds()
                let decoded = try decodeAll(stream, phase: phase)
                let elapsed = monotonicSeconds() - start
                precondition(decoded == count, "decoded \(decoded) of \(count)")
                best = min(best, elapsed)
            }
            print(String(format: "  %@ %.0f messages/s, %.1f MB/s (best of %d)", phase.label, Double(count) / best,
                         Double(stream.count) / best / 1e6, rounds))
            if phase == .typed { swiftRate = Double(count) / best }
        }

        guard let python = pythonInterpreter() else {
            print("  python SDK: skipped (no .venv: run scripts/setup-test-peers)")
            return
        }
        let pyStream = makeStream(count: pyCount)
        let result = try runPythonSDK(python: python, stream: pyStream, count: pyCount)
        print(String(format: "  Python SDK:    %.0f messages/s, %.1f MB/s (%d messages)", result.rate, result.mbps, pyCount))
        print(String(format: "  ratio:         %.1fx", swiftRate / result.rate))
    }

    /// One line per message, with varying text like a real stream.
    static func makeStream(count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 220)
        for index in 0..<count {
            let line = #"{"jsonrpc":"2.0","method":"session/update","params":{"sessionId":"sess_abc123","update":{"sessionUpdate":"agent_message_chunk","messageId":"msg_1","content":{"type":"text","text":"chunk \#(index) of the answer, with some words in it."}}}}"#
            bytes.append(contentsOf: line.utf8)
            bytes.append(0x0A)
        }
        return bytes
    }

    enum Phase: CaseIterable {
        case framing, parse, typed
        var label: String {
            switch self {
            case .framing: "framing only:        "
            case .parse: "framing + JSON parse:"
            case .typed: "acpd full decode:    "
            }
        }
    }

    static func decodeAll(_ stream: [UInt8], phase: Phase = .typed) throws -> Int {
        var framer = NDJSONFramer()
        var decoded = 0
        let readSize = 64 * 1024
        try stream.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let chunk = UnsafeRawBufferPointer(rebasing: all[offset..<min(all.count, offset + readSize)])
                offset += chunk.count
                try framer.feed(chunk) { output in
                    guard case .line(let line) = output else { return }
                    switch phase {
                    case .framing: decoded += line.count > 0 ? 1 : 0
                    case .parse: if case .object = try JSONParser.parse(line) { decoded += 1 }
                    case .typed: if case .sessionUpdate = try AgentMessage.decode(line: line) { decoded += 1 }
                    }
                }
            }
        }
        return decoded
    }

    static func pythonInterpreter() -> String? {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["ACPD_TEST_PYTHON"], repoRoot.appendingPathComponent(".venv/bin/python3").path]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func runPythonSDK(python: String, stream: [UInt8], count: Int) throws -> (rate: Double, mbps: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repoRoot.appendingPathComponent("scripts/bench/python_sdk_decode.py").path, "\(count)", "\(stream.count)"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(stream))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rate = json["messages_per_second"] as? Double, let mbps = json["mb_per_second"] as? Double
        else { throw BenchError("python SDK bench failed (status \(process.terminationStatus))") }
        return (rate, mbps)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
