#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the operator commands need from the process around the router, handed in by the daemon
/// (`InboundRouter.install(_:)`): ChatCore cannot see the executable's log setup or the process
/// supervisor, so both come in behind protocols.
public struct OperatorTools: Sendable {
    /// acpd's version (`/acp health`).
    public var version: String
    /// When the daemon started (`/acp health` uptime).
    public var startedAt: Date
    /// acpd's recent log lines (`/acp logs`); nil: the command says there are none to show.
    public var logs: (any LogLineSource)?
    /// Runs `/acp run` commands; nil: the command says the shell is not available.
    public var shell: (any OperatorShell)?

    /// Tools; the defaults know nothing (tests of other parts, embedded routers).
    public init(version: String = "unknown", startedAt: Date = Date(), logs: (any LogLineSource)? = nil,
                shell: (any OperatorShell)? = nil) {
        self.version = version
        self.startedAt = startedAt
        self.logs = logs
        self.shell = shell
    }
}

/// acpd's recent log lines, oldest first, bounded (the daemon keeps a ring of them).
public protocol LogLineSource: Sendable {
    /// Every line still kept, oldest first, as written (not redacted yet).
    func lines() -> [String]
}
