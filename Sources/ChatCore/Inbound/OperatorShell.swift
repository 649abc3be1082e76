import ACPControlPlane

/// Runs one `/acp run` command line: `/bin/sh -c <command>` in its own process group, stdin
/// closed, stdout and stderr together, killed with its whole group at the timeout. The daemon's
/// implementation sits on RuntimeBackends' process spawning; waiting never blocks a thread of the
/// cooperative pool.
public protocol OperatorShell: Sendable {
    /// Runs `request` to its end (exit, signal or timeout) and returns what happened. Throws
    /// `ACP_INVALID_ARGUMENT` when it cannot be started (no such directory, no shell).
    func run(_ request: ShellRequest) async throws(ACPError) -> ShellOutcome
}

/// One command to run.
public struct ShellRequest: Sendable, Equatable {
    /// The command line, given to `/bin/sh -c`.
    public var command: String
    /// Absolute working directory.
    public var workingDirectory: String
    /// The complete environment (nothing of acpd's own reaches the command unless it is here).
    public var environment: [String: String]
    /// Killed with its process group after this long.
    public var timeout: Duration
    /// Output kept at most; the rest is counted, not kept.
    public var maxOutputBytes: Int

    /// A request.
    public init(command: String, workingDirectory: String, environment: [String: String], timeout: Duration, maxOutputBytes: Int) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
    }
}

/// How a command ended and what it wrote.
public struct ShellOutcome: Sendable, Equatable {
    /// The end of the command.
    public enum Ending: Sendable, Equatable {
        /// The shell exited with this status.
        case exited(Int32)
        /// The shell was killed by this signal (not by acpd's timeout).
        case signaled(Int32)
        /// It ran past the timeout; acpd killed its process group.
        case timedOut
    }

    public var ending: Ending
    /// stdout and stderr as they arrived, at most `maxOutputBytes`.
    public var output: [UInt8]
    /// Bytes written beyond `maxOutputBytes` (not kept).
    public var droppedBytes: Int
    /// From start to reaped exit.
    public var duration: Duration

    /// An outcome.
    public init(ending: Ending, output: [UInt8], droppedBytes: Int, duration: Duration) {
        self.ending = ending
        self.output = output
        self.droppedBytes = droppedBytes
        self.duration = duration
    }
}
