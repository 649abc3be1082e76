import Logging

/// What to start: the program, its argv, its exact environment and its working directory.
///
/// Nothing of acpd's own environment reaches the child unless it is in `environment`.
public struct ProcessSpec: Sendable, Equatable {
    /// An absolute path, a path relative to acpd's cwd (contains `/`), or a bare name resolved on
    /// the `PATH` of `environment` (not acpd's own PATH).
    public var executable: String
    /// Arguments after argv[0] (argv[0] is `executable` as given).
    public var arguments: [String]
    /// The child's complete environment.
    public var environment: [String: String]
    /// The child's working directory (absolute).
    public var workingDirectory: String
    /// Kill the rest of the child's process group (SIGKILL) as soon as the child itself exits, so
    /// helpers it started do not outlive it. Default true.
    public var killGroupOnExit: Bool
    /// The level at which stderr lines are logged.
    public var stderrLogLevel: Logger.Level
    /// The longest stdout line accepted; a longer one is skipped and reported as an error.
    public var maxLineBytes: Int

    public init(
        executable: String, arguments: [String] = [], environment: [String: String], workingDirectory: String,
        killGroupOnExit: Bool = true, stderrLogLevel: Logger.Level = .debug,
        maxLineBytes: Int = NDJSONFramer.defaultMaxLineBytes
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.killGroupOnExit = killGroupOnExit
        self.stderrLogLevel = stderrLogLevel
        self.maxLineBytes = maxLineBytes
    }
}

/// How a child process ended.
public enum ProcessExit: Sendable, Equatable, CustomStringConvertible {
    /// Exited with this status. `-1` when the status could not be collected (reaped elsewhere).
    case exited(Int32)
    /// Killed by this signal.
    case signaled(Int32)

    /// Decodes a `waitpid` status word (the `WIFEXITED`/`WTERMSIG` macros are not importable).
    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(signal)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "status \(code)"
        case .signaled(let signal): "signal \(signal)"
        }
    }
}
