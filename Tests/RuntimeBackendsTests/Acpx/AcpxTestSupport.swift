import ACPControlPlane
import Foundation
import Logging
import TestSupport

@testable import RuntimeBackends

/// Runs the acpx backend against the fake acpx (`Tests/Peers/fake-acpx/fake_acpx.py`), with its
/// state in a temporary directory that is also the sessions' cwd.
struct FakeAcpx {
    let dir: URL
    let runtime: AcpxRuntime

    /// Warnings and errors only, so test output stays readable.
    static let quietLogger: Logger = {
        var logger = Logger(label: "test.acpx")
        logger.logLevel = .warning
        return logger
    }()

    static var command: [String] { [TestPaths.python, TestPaths.peer("fake-acpx/fake_acpx.py")] }

    init(dir: URL, mode: AcpxPermissionMode = .ask, cancelGrace: Duration = .seconds(1)) {
        self.dir = dir
        self.runtime = AcpxRuntime(options: Self.options(mode: mode, cancelGrace: cancelGrace), logger: Self.quietLogger)
    }

    /// A backend that keeps session records in `<dir>/records`, with the fake's state given on its
    /// command line (like acpx's `$HOME/.acpx`, it then does not depend on the agent's env).
    init(recordingIn dir: URL) {
        self.dir = dir
        var options = Self.options()
        options.command += ["--fake-state", dir.path]
        options.sessionRecordDirectory = Self.recordDirectory(dir).path
        self.runtime = AcpxRuntime(options: options, logger: Self.quietLogger)
    }

    static func recordDirectory(_ dir: URL) -> URL { dir.appendingPathComponent("records", isDirectory: true) }

    static func options(mode: AcpxPermissionMode = .ask, cancelGrace: Duration = .seconds(1)) -> AcpxOptions {
        AcpxOptions(command: command, permissionMode: mode, cancelGrace: cancelGrace, killGraceSeconds: 1,
                    controlTimeoutSeconds: 20, healthCacheSeconds: 30)
    }

    /// An ensure request whose agent env points the fake at this state directory.
    func request(_ key: String = "agent:demo:acp:\(UUID().uuidString.lowercased())", env: [String: String] = [:],
                 resume: String? = nil, passthrough: [String] = ["PATH", "HOME", "LANG"]) -> EnsureSessionRequest {
        var agentEnv = env
        agentEnv["FAKE_ACPX_STATE"] = dir.path
        return EnsureSessionRequest(sessionKey: SessionKey(key)!, agent: AgentSpec(id: "demo", command: ["demo-agent", "--acp"], env: agentEnv),
                                    cwd: dir.path, envPassthrough: passthrough, resumeAgentSessionId: resume)
    }

    /// The calls the fake recorded: argv and the names of the environment variables it got.
    func calls() throws -> [(argv: [String], env: [String])] {
        let text = try String(contentsOf: dir.appendingPathComponent("calls.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return (object["argv"] as? [String] ?? [], object["env"] as? [String] ?? [])
        }
    }

    /// The fake's session records.
    func records() throws -> [[String: Any]] {
        let data = try Data(contentsOf: dir.appendingPathComponent("sessions.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["records"] as? [[String: Any]] ?? []
    }
}

/// Collects a turn's events up to and including the terminal one, within `seconds`.
func collectTurn(_ stream: AsyncStream<RuntimeEvent>, seconds: Double = 20) async throws -> [RuntimeEvent] {
    try await withDeadline(seconds, "the end of the acpx turn") {
        var events: [RuntimeEvent] = []
        for await event in stream {
            events.append(event)
            if event.isTerminal { break }
        }
        return events
    }
}

extension [RuntimeEvent] {
    /// The output text of the turn, concatenated.
    var outputText: String {
        compactMap { if case .text(let delta) = $0, delta.stream == .output { delta.text } else { nil } }.joined()
    }

    var terminal: RuntimeEvent? { last(where: \.isTerminal) }

    /// `done(<reason>)` or `failed(<code>, <retryable>)`, for readable expectations.
    var terminalSummary: String {
        switch terminal {
        case .done(let reason): "done(\(reason.wire))"
        case .failed(let error, let retryable): "failed(\(error.code.rawValue), \(retryable))"
        default: "none"
        }
    }
}
