import JSONKit
import ACPControlPlane
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import RuntimeBackends

/// The two real agents the stdio tests run against.
enum PeerAgent: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// acpd-demo-agent (Swift, Foundation only).
    case demo
    /// Tests/Peers/python/peer_agent.py on the official Python SDK.
    case python

    var testDescription: String { rawValue }

    var authMethodId: String { self == .demo ? "demo-login" : "peer-login" }

    func command(stateDir: String, flags: [String]) -> [String] {
        switch self {
        case .demo: [TestPaths.demoAgent, "--state-dir", stateDir] + flags
        case .python: [TestPaths.python, TestPaths.peer("python/peer_agent.py"), "--state-dir", stateDir] + flags
        }
    }
}

/// Every line acpd sent or received, in the validator's combined capture format.
final class WireCapture: Sendable {
    private let lines = Mutex<[String]>([])

    func record(_ line: WireLine) {
        // Garbage an agent wrote is tapped too; the validator checks acpd's side, so keep only JSON.
        if line.direction == .incoming, (try? JSONParser.parse(Array(line.text.utf8))) == nil { return }
        let entry = #"{"dir":"\#(line.direction == .outgoing ? "out" : "in")","conn":\#(line.pid),"msg":\#(line.text)}"#
        lines.withLock { $0.append(entry) }
    }

    var outgoing: [String] {
        lines.withLock { $0.filter { $0.hasPrefix(#"{"dir":"out""#) } }
    }

    var incoming: [String] {
        lines.withLock { $0.filter { $0.hasPrefix(#"{"dir":"in""#) } }
    }

    /// Runs Tests/Peers/validate_acp.py on what acpd sent; returns its exit status and output.
    /// Waits without blocking a cooperative thread (output goes to a file, not a pipe).
    func validateClientSide(in directory: URL) async throws -> (status: Int32, output: String) {
        let name = "capture-\(UUID().uuidString.prefix(6))"
        let file = directory.appendingPathComponent("\(name).ndjson")
        let report = directory.appendingPathComponent("\(name).out")
        try lines.withLock { $0.joined(separator: "\n") + "\n" }.write(to: file, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: report.path, contents: nil)
        let output = try FileHandle(forWritingTo: report)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.python)
        process.arguments = [TestPaths.peer("validate_acp.py"), "--side", "client", file.path]
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try output.close()
        return (status, (try? String(contentsOf: report, encoding: .utf8)) ?? "")
    }
}

/// A stdio runtime talking to one kind of peer agent in a temporary directory.
struct StdioHarness {
    let peer: PeerAgent
    let directory: URL
    let runtime: StdioRuntime
    let capture = WireCapture()

    init(peer: PeerAgent, directory: URL, configure: (inout StdioRuntimeOptions) -> Void = { _ in }) {
        self.peer = peer
        self.directory = directory
        var options = StdioRuntimeOptions()
        options.cancelGrace = .seconds(5)
        options.terminateGrace = 1
        let capture = self.capture
        options.wireTap = { capture.record($0) }
        configure(&options)
        var logger = Logger(label: "test.stdio")
        logger.logLevel = .warning
        runtime = StdioRuntime(options: options, logger: logger)
    }

    var workspace: String { directory.appendingPathComponent("work").path }

    func request(_ key: SessionKey, flags: [String] = [], authMethod: String? = nil, resume: String? = nil,
                 passthrough: [String] = ["PATH", "HOME", "LANG"]) throws -> EnsureSessionRequest {
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        let state = directory.appendingPathComponent("state").path
        let agent = AgentSpec(id: peer.rawValue, command: peer.command(stateDir: state, flags: flags), authMethod: authMethod)
        return EnsureSessionRequest(sessionKey: key, agent: agent, cwd: workspace, envPassthrough: passthrough,
                                    resumeAgentSessionId: resume)
    }

    func ensure(_ key: SessionKey, flags: [String] = [], authMethod: String? = nil, resume: String? = nil) async throws -> EnsuredSession {
        let request = try request(key, flags: flags, authMethod: authMethod, resume: resume)
        let runtime = self.runtime
        return try await withDeadline(30, "ensureSession") { try await runtime.ensureSession(request) }
    }

    /// Runs one turn to its end, calling `onEvent` for each event (e.g. to cancel or answer).
    func turn(_ handle: RuntimeHandle, _ text: String, timeout: Double = 30,
              onEvent: @escaping @Sendable (RuntimeEvent) async -> Void = { _ in }) async throws -> TurnResult {
        let stream = runtime.runTurn(handle, prompt: [.text(text)], runId: RunID())
        return try await withDeadline(timeout, "turn \"\(text)\"") {
            var events: [RuntimeEvent] = []
            for await event in stream {
                events.append(event)
                await onEvent(event)
            }
            return TurnResult(events: events)
        }
    }

    /// Checks that everything acpd sent was valid ACP.
    func expectValidWire(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (status, output) = try await capture.validateClientSide(in: directory)
        #expect(status == 0, "validate_acp.py: \(output)", sourceLocation: sourceLocation)
    }

    static func key(_ name: String = "s") -> SessionKey {
        SessionKey.spawned(agentId: "test", uuid: UUID().uuidString.lowercased())!
    }
}

/// The events of one finished turn.
struct TurnResult: Sendable {
    let events: [RuntimeEvent]

    var output: String {
        events.compactMap { if case .text(let delta) = $0, delta.stream == .output { delta.text } else { nil } }.joined()
    }

    var terminal: RuntimeEvent? { events.last }

    var terminalCount: Int { events.filter(\.isTerminal).count }

    var stopReason: StopReason? {
        if case .done(let reason)? = terminal { return reason }
        return nil
    }

    var failure: (error: ACPError, retryable: Bool)? {
        if case .failed(let error, let retryable)? = terminal { return (error, retryable) }
        return nil
    }
}
