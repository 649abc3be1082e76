/// How acpx answers the agent's permission requests. acpx decides them itself, from flags given
/// on its command line: it offers no way to hand a request to another program and wait for the
/// answer (see docs/runtime-acpx.md). Mirrors `acp.permissions.mode`.
public enum AcpxPermissionMode: String, Sendable, CaseIterable {
    /// acpd's `ask`: acpx cannot ask chat, so this behaves like `approveReads` with every other
    /// request denied (acpx's non-interactive policy `deny`).
    case ask
    /// `--approve-reads`: reads and searches are approved, everything else denied (no TTY).
    case approveReads = "approve-reads"
    /// `--approve-all`.
    case approveAll = "approve-all"
    /// `--deny-all`.
    case denyAll = "deny-all"

    /// The acpx global flags for this mode.
    var flags: [String] {
        switch self {
        case .ask, .approveReads: ["--approve-reads", "--non-interactive-permissions", "deny"]
        case .approveAll: ["--approve-all", "--non-interactive-permissions", "deny"]
        case .denyAll: ["--deny-all", "--non-interactive-permissions", "deny"]
        }
    }
}

/// The settings of the `acpx` backend: the `acpx.command` argv from config and the policies acpd
/// applies to every acpx call.
public struct AcpxOptions: Sendable, Equatable {
    /// argv of the acpx executable (`acpx.command`); `command[0]` is resolved on the PATH that the
    /// child gets (the passthrough PATH) when it has no `/`.
    public var command: [String]
    /// How acpx answers permission requests (`acp.permissions.mode`).
    public var permissionMode: AcpxPermissionMode
    /// acpx's queue-owner idle TTL (`--ttl`): how long acpx keeps the agent process warm after a
    /// turn. Nil leaves acpx's default (300 s).
    public var queueOwnerTTLSeconds: Int?
    /// How long `cancel` waits for the prompt process to end on its own before it terminates the
    /// process group (SIGTERM, then SIGKILL after `killGraceSeconds`). The only timer that
    /// escalates an ignored cancel (the session manager arms none).
    public var cancelGrace: Duration
    /// Grace between SIGTERM and SIGKILL when a process group is terminated.
    public var killGraceSeconds: Double
    /// Time limit of the short control commands (`sessions ensure`, `cancel`, `sessions close`,
    /// `--version`). `sessions ensure` starts the agent and may take a while.
    public var controlTimeoutSeconds: Double
    /// How long a `health()` answer is reused.
    public var healthCacheSeconds: Double
    /// The variables of acpd's environment passed to calls that belong to no session (the
    /// `--version` health probe); session calls use the request's `envPassthrough`.
    public var envPassthrough: [String]
    /// Where the backend keeps, per ensured session, the agent command, cwd and passthrough names
    /// acpx needs to address the session (one small JSON file each), so that `close` also works for
    /// sessions an earlier acpd process ensured. Nil: nothing is written, and `close` can close only
    /// the sessions this process ensured (an older one stays open until acpx's idle TTL).
    /// acpd passes `<stateDir>/acpx-sessions`.
    public var sessionRecordDirectory: String?

    public init(
        command: [String] = ["acpx"], permissionMode: AcpxPermissionMode = .ask, queueOwnerTTLSeconds: Int? = nil,
        cancelGrace: Duration = .seconds(10), killGraceSeconds: Double = 2, controlTimeoutSeconds: Double = 120,
        healthCacheSeconds: Double = 30, envPassthrough: [String] = ["PATH", "HOME", "LANG"],
        sessionRecordDirectory: String? = nil
    ) {
        self.sessionRecordDirectory = sessionRecordDirectory
        self.command = command
        self.permissionMode = permissionMode
        self.queueOwnerTTLSeconds = queueOwnerTTLSeconds
        self.cancelGrace = cancelGrace
        self.killGraceSeconds = killGraceSeconds
        self.controlTimeoutSeconds = controlTimeoutSeconds
        self.healthCacheSeconds = healthCacheSeconds
        self.envPassthrough = envPassthrough
    }
}
