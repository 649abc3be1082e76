/// The options of `/acp sessions` (CONTRACT.md §4).
public struct SessionListOptions: Sendable, Equatable {
    /// `--limit`: how many sessions at most (1–100, default 20).
    public var limit: Int
    /// `--active-minutes`: only sessions active within the last M minutes.
    public var activeMinutes: Int?
    /// `--agent`: only sessions of this agent.
    public var agent: String?

    /// The default listing: 20 sessions, no filter.
    public static let defaultLimit = 20
    /// The largest `--limit`.
    public static let maxLimit = 100

    /// Options; nil filters are off.
    public init(limit: Int = SessionListOptions.defaultLimit, activeMinutes: Int? = nil, agent: String? = nil) {
        self.limit = limit
        self.activeMinutes = activeMinutes
        self.agent = agent
    }
}

/// The options of `/acp logs`.
public struct LogsOptions: Sendable, Equatable {
    /// `--tail`: the last N lines (1–500, default 50).
    public var tail: Int
    /// `--grep`: only lines containing this text (case-insensitive).
    public var grep: String?

    /// The default tail.
    public static let defaultTail = 50
    /// The largest `--tail`.
    public static let maxTail = 500

    /// Options; nil `grep`: every line.
    public init(tail: Int = LogsOptions.defaultTail, grep: String? = nil) {
        self.tail = tail
        self.grep = grep
    }
}

/// The options of `/acp run`.
public struct ShellRunOptions: Sendable, Equatable {
    /// `--timeout` in seconds; nil: `access.shell.timeoutSeconds`.
    public var timeoutSeconds: Int?
    /// The command line, verbatim, run by `/bin/sh -c`.
    public var command: String

    /// Options of a confirmed (`--yes`) run.
    public init(timeoutSeconds: Int? = nil, command: String) {
        self.timeoutSeconds = timeoutSeconds
        self.command = command
    }
}
