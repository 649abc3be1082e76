/// `store.retention` (CONTRACT.md §3): how long the store keeps what finished runs left.
public struct StoreRetention: Sendable, Equatable {
    /// Days the events of a finished, delivered run are kept (its run row stays).
    public var eventsDays: Int
    /// Days a finished, delivered run is kept at all (with its checkpoints and channel messages).
    public var runsDays: Int
    /// Days an audit log row is kept (`audit.retentionDays`).
    public var auditDays: Int

    /// A retention; the defaults are those of CONTRACT.md §3.
    public init(eventsDays: Int = 14, runsDays: Int = 90, auditDays: Int = 90) {
        self.eventsDays = eventsDays
        self.runsDays = runsDays
        self.auditDays = auditDays
    }

    /// The cutoffs (seconds since 1970) for `now`: events of runs that ended before the first,
    /// runs that ended before the second, audit rows written before the third.
    func cutoffs(now: Double) -> (events: Double, runs: Double, audit: Double) {
        (now - Double(eventsDays) * 86_400, now - Double(runsDays) * 86_400, now - Double(auditDays) * 86_400)
    }
}
