/// The range of every number of the config file, chosen as an operator would: wide enough for
/// any real deployment, narrow enough that nothing derived from a value (durations, deadlines,
/// products with 60 or 3600) can overflow.
///
/// The schema checks each value against its range (`acpd config validate`, `acpd run`, reload);
/// the settings derived from a config clamp to the same ranges again, so a config changed in code
/// cannot make the daemon's arithmetic trap either.
public enum ConfigLimits {
    /// `acp.maxConcurrentSessions`: live agent processes at once.
    public static let maxConcurrentSessions = 1...10_000
    /// `acp.turnTimeoutSeconds`: at most 7 days.
    public static let turnTimeoutSeconds = 1...604_800
    /// `acp.runtime.ttlMinutes`: at most a year (365 days).
    public static let runtimeTTLMinutes = 1...525_600
    /// `acp.idempotency.ttlHours`: at most a year.
    public static let idempotencyTTLHours = 1...8_760
    /// `acp.runtimeBindings.idleHours` and `maxAgeHours`: `0` = off, at most a year.
    public static let runtimeBindingHours = 0...8_760
    /// `acp.stream.coalesceIdleMs`: at most 60 s.
    public static let coalesceIdleMs = 0...60_000
    /// `acp.stream.maxChunkChars`: Telegram's 4096 is the largest message a channel takes.
    public static let maxChunkChars = 1...4_096
    /// `acp.stream.maxOutputChars`: at most a million characters of output per run.
    public static let maxOutputChars = 1...1_000_000
    /// `acp.permissions.timeoutSeconds`: at most 7 days, the longest a run may take.
    public static let permissionTimeoutSeconds = 1...604_800
    /// `access.authTtlSeconds`: at most a year.
    public static let authTTLSeconds = 1...31_536_000
    /// `channels.telegram.accounts.<id>.pollTimeoutSeconds`: Telegram holds a long poll at most 50 s.
    public static let telegramPollTimeoutSeconds = 0...50
    /// `access.rateLimit.perMinute`.
    public static let rateLimitPerMinute = 1...1_000_000
    /// `access.rateLimit.burst`.
    public static let rateLimitBurst = 1...1_000_000
    /// `api.headerTimeoutSeconds`: up to 5 minutes for a request head.
    public static let apiHeaderTimeoutSeconds = 1...300
    /// `api.idleTimeoutSeconds`: up to an hour.
    public static let apiIdleTimeoutSeconds = 1...3_600
    /// `api.maxConnections`.
    public static let apiMaxConnections = 1...4_096
    /// `store.retention.eventsDays`, `runsDays` and `audit.retentionDays`: a day to ten years.
    public static let retentionDays = 1...3_650

    /// `value` moved into `range` (the nearest bound when outside it).
    public static func clamp(_ value: Int, to range: ClosedRange<Int>) -> Int {
        min(max(value, range.lowerBound), range.upperBound)
    }
}
