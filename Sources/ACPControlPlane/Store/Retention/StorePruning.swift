#if canImport(Glibc)
import Glibc
#endif

/// What one pruning step deleted.
public struct PruneStep: Sendable, Equatable {
    /// Events deleted (of runs past `eventsDays`, and of runs past `runsDays`).
    public var events = 0
    /// Runs deleted (past `runsDays`), with their checkpoints and permission requests.
    public var runs = 0
    /// Channel message rows of the deleted runs.
    public var channelMessages = 0
    /// Runs (past `eventsDays`) whose last events this step deleted; the runs stay.
    public var runsEmptied = 0
    /// Session-level events (no run: closed, reset, context lost, …) past `eventsDays`.
    public var sessionEvents = 0
    /// Bindings that ended more than `runsDays` ago.
    public var bindings = 0
    /// Sessions closed more than `runsDays` ago with no run left, with what cascades from them.
    public var sessions = 0
    /// Audit log rows past `audit.retentionDays`.
    public var auditEntries = 0

    /// A step; all counts zero.
    public init() {}

    /// True when the step found nothing to delete.
    public var isEmpty: Bool {
        events == 0 && runs == 0 && channelMessages == 0 && runsEmptied == 0 && sessionEvents == 0 && bindings == 0 && sessions == 0
            && auditEntries == 0
    }
}

/// How big the store is on disk.
public struct StoreSize: Sendable, Equatable {
    /// The database file, in bytes.
    public var fileBytes: Int64
    /// The write-ahead log (`-wal`), in bytes.
    public var walBytes: Int64
    /// Pages inside the file that hold nothing (reclaimed by the incremental vacuum).
    public var freePages: Int
    /// The page size, in bytes.
    public var pageSize: Int
}

/// Retention (`store.retention`): small transactions that delete what finished, delivered runs
/// left past its age, and the incremental vacuum that gives the freed pages back to the file
/// system. `StorePruner` runs them in the background; never an active or undelivered run.
extension ControlPlaneStore {
    /// How many runs one step looks at.
    static let pruneRunsPerStep = 64

    /// One transaction of retention work, deleting at most `maxEvents` events: first runs
    /// finished more than `runsDays` ago (their events, then the run with its checkpoints,
    /// permission requests and channel messages), then the events of runs finished more than
    /// `eventsDays` ago, then session-level events older than `eventsDays`, bindings ended more
    /// than `runsDays` ago, sessions closed more than `runsDays` ago that have no run left, and
    /// audit log rows older than `auditDays` (with what is left of the `maxEvents` budget).
    /// Call it until it returns an empty step.
    public func pruneStep(_ retention: StoreRetention, maxEvents: Int = 2000) throws -> PruneStep {
        let cutoffs = retention.cutoffs(now: timestamp)
        return try write { db in
            var step = PruneStep()
            for run in try RetentionTables.runs(db, endedBefore: cutoffs.runs, limit: Self.pruneRunsPerStep) {
                let budget = maxEvents - step.events
                guard budget > 0 else { return step }
                let deleted = try RetentionTables.deleteEvents(db, run: run, limit: budget)
                step.events += deleted
                guard deleted < budget else { return step }
                step.channelMessages += try RetentionTables.deleteRun(db, run: run)
                step.runs += 1
            }
            for run in try RetentionTables.runsWithEvents(db, endedBefore: cutoffs.events, limit: Self.pruneRunsPerStep) {
                let budget = maxEvents - step.events
                guard budget > 0 else { return step }
                let deleted = try RetentionTables.deleteEvents(db, run: run, limit: budget)
                step.events += deleted
                guard deleted < budget else { return step }
                try RetentionTables.markEventsPruned(db, run: run)
                step.runsEmptied += 1
            }
            let budget = maxEvents - step.events
            guard budget > 0 else { return step }
            step.sessionEvents = try RetentionTables.deleteSessionEvents(db, before: cutoffs.events, limit: budget)
            guard step.sessionEvents < budget else { return step }
            step.bindings = try RetentionTables.deleteEndedBindings(db, before: cutoffs.runs, limit: Self.pruneRunsPerStep * 4)
            step.sessions = try RetentionTables.deleteClosedSessions(db, before: cutoffs.runs, limit: Self.pruneRunsPerStep)
            step.auditEntries = try Self.pruneAudit(db, before: cutoffs.audit, limit: budget - step.sessionEvents)
            return step
        }
    }

    /// Gives at most `maxPages` free pages back to the file system (`PRAGMA incremental_vacuum`,
    /// one short transaction); returns the free pages left.
    @discardableResult
    public func reclaimFreePages(maxPages: Int = 2048) throws -> Int {
        try write { db in
            try db.execute(sql: "PRAGMA incremental_vacuum(\(max(1, maxPages)))")
            return try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        }
    }

    /// The size of the store on disk (file, WAL, free pages).
    public func size() throws -> StoreSize {
        let (freePages, pageSize) = try read { db in
            (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096)
        }
        return StoreSize(fileBytes: Self.fileBytes(path), walBytes: Self.fileBytes(path + "-wal"), freePages: freePages, pageSize: pageSize)
    }

    /// Copies the WAL into the database file and truncates it (benchmarks and tests: then the
    /// file's size is the store's). Waits for the writer.
    /// Retries while the WAL checkpointer's own checkpoint holds the lock (`SQLITE_BUSY`).
    package func truncateWAL() throws {
        var attempts = 0
        while true {
            do {
                return try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            } catch {
                attempts += 1
                guard attempts < 100 else {
                    throw StoreError(.io, path: path, message: "checkpoint failed: \(Self.describe(error))", hint: "retry")
                }
                usleep(10_000)
            }
        }
    }

    /// The size of the file at `path` in bytes (0 when missing).
    static func fileBytes(_ path: String) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Int64(info.st_size)
    }
}
