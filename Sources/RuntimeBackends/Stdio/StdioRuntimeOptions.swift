import Logging

/// Which way a raw JSON-RPC line went.
public enum WireDirection: String, Sendable {
    /// acpd → agent (stdin).
    case outgoing
    /// agent → acpd (stdout).
    case incoming
}

/// One raw JSON-RPC line seen by the `wireTap`.
public struct WireLine: Sendable {
    public let direction: WireDirection
    /// The line without its `\n`.
    public let text: String
    /// The agent process the line was written to or read from.
    public let pid: Int32
}

/// Settings of the `stdio` backend. The defaults suit real agents (Python agents take seconds to
/// answer `initialize`).
public struct StdioRuntimeOptions: Sendable {
    /// How long the agent may take to answer `initialize`.
    public var initializeTimeout: Double = 30
    /// How long the agent may take to answer `authenticate`, `session/new` and `session/load`
    /// (prompt turns have no timeout here: the session manager's turn watchdog cancels them).
    public var requestTimeout: Double = 120
    /// After `session/cancel`, how long to wait for the prompt response before killing the
    /// agent's process group and failing the turn with ACP_TURN_TIMEOUT. The only timer that
    /// stops an agent which ignores a cancel (the session manager arms none).
    public var cancelGrace: Duration = .seconds(10)
    /// Each step of the shutdown: close stdin → wait → SIGTERM → wait → SIGKILL.
    public var terminateGrace: Double = 2
    /// Advertise and serve `fs/read_text_file` / `fs/write_text_file`, confined to the session
    /// cwd. Off by default: agents then use their own file access.
    public var fileSystem: Bool = false
    /// The version acpd reports in `clientInfo`.
    public var clientVersion: String = "0.1.0"
    /// The level at which agent stderr lines are logged.
    public var stderrLogLevel: Logger.Level = .debug
    /// Called with every raw line in both directions (tests capture what acpd sends with it).
    /// Runs on the connection's executor: keep it fast.
    public var wireTap: (@Sendable (WireLine) -> Void)?

    public init() {}
}
