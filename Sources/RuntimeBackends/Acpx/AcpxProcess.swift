import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// Starts acpx processes through the process supervisor (`ChildProcess`) with acpd's environment
/// rules, and runs the short control commands to completion.
struct AcpxProcess: Sendable {
    /// The acpx argv prefix (`acpx.command`).
    let acpx: [String]
    let logger: Logger

    /// The process spec of one acpx call: `argv` (starting with the acpx command), the exact
    /// environment, and the session cwd as the process working directory.
    func spec(argv: [String], environment: [String: String], cwd: String) -> ProcessSpec {
        ProcessSpec(executable: argv.first ?? "acpx", arguments: Array(argv.dropFirst()), environment: environment,
                    workingDirectory: cwd, killGroupOnExit: true, stderrLogLevel: .debug)
    }

    /// Starts one acpx call. A missing or unstartable executable is `ACP_BACKEND_UNAVAILABLE`.
    func start(argv: [String], environment: [String: String], cwd: String, label: String) throws(ACPError) -> ChildProcess {
        do {
            return try ChildProcess.spawn(spec(argv: argv, environment: environment, cwd: cwd), label: label, logger: logger)
        } catch {
            throw ACPError(.backendUnavailable, message: "acpx could not be started",
                           hint: "check acpx.command in the config (it must resolve on the PATH acpd passes on); run `acpd doctor`",
                           detail: "\(argv.first ?? "acpx"): \(error.detail ?? error.message)")
        }
    }

    /// The result of a control command run to completion.
    struct Completed: Sendable {
        var exit: ProcessExit
        var stdout: [String]
        var stderrTail: String
        /// True when the command overran its time limit and was terminated.
        var timedOut: Bool
    }

    /// Runs a control command (stdin closed at once), collects its stdout lines and waits for its
    /// exit, at most `timeoutSeconds`; then terminates its process group.
    func run(argv: [String], environment: [String: String], cwd: String, label: String,
             timeoutSeconds: Double, killGraceSeconds: Double) async throws(ACPError) -> Completed {
        let child = try start(argv: argv, environment: environment, cwd: cwd, label: label)
        child.closeStdin()
        async let collected = Self.collect(child.stdoutLines)
        var timedOut = false
        var exit = await child.waitForExit(timeout: timeoutSeconds)
        if exit == nil {
            timedOut = true
            logger.warning("acpx call overran its time limit; terminating it", metadata: ["call": "\(label)"])
            exit = await child.terminate(graceSeconds: killGraceSeconds)
        }
        // The supervisor closes the pipes shortly after the exit, so this ends.
        let stdout = await collected
        let stderr = child.recentStderr.suffix(10).joined(separator: "\n")
        return Completed(exit: exit ?? .exited(-1), stdout: stdout, stderrTail: stderr, timedOut: timedOut)
    }

    /// The UTF-8 lines of a stream, until it finishes; over-long lines are dropped.
    private static func collect(_ lines: StdoutLines) async -> [String] {
        var collected: [String] = []
        for await line in lines {
            if case .success(let bytes) = line { collected.append(String(decoding: bytes, as: UTF8.self)) }
        }
        return collected
    }

    /// The environment acpx (and through it the agent) gets: the passthrough variables that are
    /// set in acpd's environment, then the agent's own variables on top. Nothing else.
    static func environment(passthrough: [String], agentEnv: [String: String],
                            from processEnvironment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment: [String: String] = [:]
        for name in passthrough {
            if let value = processEnvironment[name] { environment[name] = value }
        }
        environment.merge(agentEnv) { _, agent in agent }
        return environment
    }
}
