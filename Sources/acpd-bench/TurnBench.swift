import ACPControlPlane
import Foundation
import RuntimeBackends

/// Turn overhead of the stdio backend: N turns × M chunks with the demo agent, timed from
/// `runTurn` to the terminal event, against the same turns driven by a bare pipe client that only
/// writes the request line and scans for the response line (the agent's own time plus the pipe).
/// The difference of the medians is what acpd adds per turn.
enum TurnBench {
    static func run(_ arguments: [String]) async throws {
        let options = BenchOptions(arguments)
        let turns = options.int("turns", default: 300)
        let chunks = options.int("chunks", default: 20)
        let agent = options.string("agent", default: productsDir.appendingPathComponent("acpd-demo-agent").path)
        guard FileManager.default.isExecutableFile(atPath: agent) else {
            throw BenchError("demo agent not found at \(agent): build it (swift build -c release --product acpd-demo-agent)")
        }
        let prompt = "bench [chunks=\(chunks)]"
        print("turns: \(turns) turns × \(chunks) chunks, demo agent \(agent)")

        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("acpd-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }

        let raw = try rawTurns(agent: agent, cwd: workspace.path, prompt: prompt, turns: turns)
        let backend = try await backendTurns(agent: agent, cwd: workspace.path, prompt: prompt, turns: turns)
        report("bare pipe client", raw)
        report("acpd stdio backend", backend)
        let p50 = percentile(backend, 50) - percentile(raw, 50)
        let p99 = percentile(backend, 99) - percentile(raw, 99)
        print(String(format: "  overhead: p50 %.3f ms, p99 %.3f ms per turn", p50 * 1000, p99 * 1000))
    }

    static func report(_ name: String, _ sorted: [Double]) {
        print(String(format: "  %@: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms", name,
                     percentile(sorted, 50) * 1000, percentile(sorted, 90) * 1000, percentile(sorted, 99) * 1000))
    }

    static func backendTurns(agent: String, cwd: String, prompt: String, turns: Int) async throws -> [Double] {
        let runtime = StdioRuntime()
        let key = SessionKey("agent:demo:acp:bench")!
        let request = EnsureSessionRequest(sessionKey: key, agent: AgentSpec(id: "demo", command: [agent]), cwd: cwd)
        let session = try await runtime.ensureSession(request)
        defer { Task { await runtime.close(sessionKey: key, reason: .shutdown) } }
        var samples: [Double] = []
        for index in 0..<(turns + 20) {
            let start = monotonicSeconds()
            var ended = false
            for await event in runtime.runTurn(session.handle, prompt: [.text(prompt)], runId: RunID()) {
                if case .failed(let error, _) = event { throw BenchError("turn failed: \(error)") }
                ended = ended || event.isTerminal
            }
            guard ended else { throw BenchError("turn ended without a terminal event") }
            if index >= 20 { samples.append(monotonicSeconds() - start) } // warm-up excluded
        }
        await runtime.close(sessionKey: key, reason: .shutdown)
        return samples.sorted()
    }

    /// The baseline: the same agent and prompts over plain pipes, no JSON decoding at all.
    static func rawTurns(agent: String, cwd: String, prompt: String, turns: Int) throws -> [Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: agent)
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate() }
        var reader = LineReader(handle: stdout.fileHandleForReading)
        func send(_ line: String) throws { try stdin.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8)) }
        func response(id: Int) throws -> String {
            let marker = Array("\"id\":\(id),".utf8)
            while let line = reader.next() {
                if line.starts(with: Array("{\"jsonrpc\":\"2.0\",".utf8) + marker) || line.contains(marker) && !line.contains(Array("\"method\"".utf8)) {
                    return String(decoding: line, as: UTF8.self)
                }
            }
            throw BenchError("agent closed stdout")
        }
        try send(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":1}}"#)
        _ = try response(id: 0)
        try send(#"{"jsonrpc":"2.0","id":1,"method":"session/new","params":{"cwd":"\#(cwd)","mcpServers":[]}}"#)
        let created = try response(id: 1)
        guard let range = created.range(of: #""sessionId":""#),
              let end = created[range.upperBound...].firstIndex(of: "\"") else { throw BenchError("no sessionId in \(created)") }
        let sessionId = created[range.upperBound..<end]
        var samples: [Double] = []
        for index in 0..<(turns + 20) {
            let id = index + 2
            let start = monotonicSeconds()
            try send(#"{"jsonrpc":"2.0","id":\#(id),"method":"session/prompt","params":{"sessionId":"\#(sessionId)","prompt":[{"type":"text","text":"\#(prompt)"}]}}"#)
            _ = try response(id: id)
            if index >= 20 { samples.append(monotonicSeconds() - start) }
        }
        return samples.sorted()
    }
}

/// Blocking line reader over a file handle (the baseline's only parsing).
struct LineReader {
    let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0

    init(handle: FileHandle) { self.handle = handle }

    mutating func next() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                return line
            }
            buffer.removeFirst(start)
            start = 0
            let data = handle.availableData
            if data.isEmpty { return nil }
            buffer.append(contentsOf: data)
        }
    }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
