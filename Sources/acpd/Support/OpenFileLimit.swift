#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`). `acpd run` raises the soft limit to the hard
/// one at start-up: every connection of the HTTP API and every agent (three pipes) takes
/// descriptors, and a shell's default soft limit (often 1024) is low for that.
struct OpenFileLimit: Sendable, Equatable {
    var soft: UInt64
    var hard: UInt64

    /// The limit of this process; nil when it cannot be read.
    static func current() -> OpenFileLimit? {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return nil }
        return OpenFileLimit(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
    }

    /// Descriptors acpd assumes one live agent takes: three pipes (stdin, stdout, stderr) are six
    /// descriptors while it is spawned (three stay open), plus the exit watch (a pidfd) and a
    /// margin.
    static let perAgent: UInt64 = 8
    /// Descriptors acpd takes without agents or connections: the store and its WAL, the event
    /// loops, logs, the exit monitor, and a margin.
    static let base: UInt64 = 64

    /// What a daemon with these limits needs at most: the base, `maxConnections` HTTP API
    /// connections and `maxSessions` live agents.
    static func needed(maxSessions: Int, maxConnections: Int) -> UInt64 {
        base + UInt64(max(0, maxConnections)) + perAgent * UInt64(max(0, maxSessions))
    }

    /// The connection limit the API can afford under a soft limit of `limit` descriptors: at most
    /// `configured`, and never more than what is left after the base and `maxSessions` agents, so
    /// idle connections cannot take the descriptors agents (and libdispatch, which traps when it
    /// cannot open one) need. At least 1.
    static func connectionBudget(configured: Int, maxSessions: Int, limit: UInt64) -> Int {
        let reserved = base + perAgent * UInt64(max(0, maxSessions))
        let left = limit > reserved ? limit - reserved : 0
        return max(1, min(configured, Int(clamping: left)))
    }

    /// What raising the soft limit did.
    enum Raise: Equatable, Sendable {
        case raised(from: UInt64, to: UInt64)
        /// The soft limit already was the hard one (or the highest the system allows).
        case unchanged(UInt64)
        case failed(soft: UInt64, errno: Int32)
    }

    /// Raises the soft limit to the hard one. When the hard limit is unlimited, the soft limit is
    /// raised as far as the system accepts (Linux caps it at `fs.nr_open`, macOS at `OPEN_MAX`).
    static func raiseSoftToHard() -> Raise? {
        guard let current = current() else { return nil }
        guard current.soft < current.hard else { return .unchanged(current.soft) }
        var candidates = [current.hard]
        if current.hard == UInt64(rlim_t.max) { candidates += [1 << 20, 1 << 16, 10240] }
        var lastError: Int32 = 0
        for target in candidates where target > current.soft {
            var limit = rlimit(rlim_cur: rlim_t(target), rlim_max: rlim_t(current.hard))
            if setrlimit(Self.resource, &limit) == 0 { return .raised(from: current.soft, to: target) }
            lastError = errno
        }
        return lastError == 0 ? .unchanged(current.soft) : .failed(soft: current.soft, errno: lastError)
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
