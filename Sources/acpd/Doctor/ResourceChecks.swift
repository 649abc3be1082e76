import Bindings

/// Doctor's checks of the process limits `acpd run` would start with.
enum ResourceChecks {
    static let name = "open files"

    /// Warns when the open-file limit is low for the config: `acpd run` raises the soft limit to
    /// the hard one, so the hard limit is what it gets; it needs `OpenFileLimit.needed` (a base, one
    /// descriptor per `api.maxConnections`, `OpenFileLimit.perAgent` per `acp.maxConcurrentSessions`).
    static func openFiles(_ config: ACPDConfig, limit: OpenFileLimit? = OpenFileLimit.current()) -> DoctorCheck {
        guard let limit else { return .skip(name, "the open-file limit (RLIMIT_NOFILE) cannot be read") }
        let sessions = config.acp.maxConcurrentSessions, connections = config.api.maxConnections
        let needed = OpenFileLimit.needed(maxSessions: sessions, maxConnections: connections)
        let usable = max(limit.soft, limit.hard)
        let budget = "\(OpenFileLimit.base) + \(connections) (api.maxConnections) + \(sessions) × \(OpenFileLimit.perAgent) "
            + "(acp.maxConcurrentSessions × 3 pipes = 6 descriptors per agent, plus its exit watch and a margin) = \(needed)"
        let limits = limit.soft == limit.hard ? "nofile \(limit.soft)" : "nofile soft \(limit.soft), hard \(Self.text(limit.hard)) (acpd run raises the soft limit to the hard one)"
        guard usable >= needed else {
            return .warn(name, "\(limits) is below what this config may need: \(budget)",
                         hint: "raise the hard limit (`ulimit -Hn`, LimitNOFILE= under systemd, /etc/security/limits.conf) to at least \(needed), or lower acp.maxConcurrentSessions or api.maxConnections")
        }
        return .pass(name, "\(limits); this config needs at most \(budget)")
    }

    private static func text(_ value: UInt64) -> String {
        value >= UInt64(Int64.max) ? "unlimited" : "\(value)"
    }
}
