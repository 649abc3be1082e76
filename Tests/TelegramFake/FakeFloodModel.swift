import Foundation

/// Telegram's flood limits as the fake enforces them, when switched on
/// (`FakeBotState.enforceFloodLimits`): per chat, one call per `chatInterval` (with a small
/// tolerance for network jitter), and in a group (negative chat id) at most `groupLimit` calls in
/// any `groupWindow`. A call over a limit is answered `429` with `retry_after` in whole seconds,
/// like Telegram, and the chat is blocked until then; a call into a blocked chat is answered 429
/// again and recorded as an ignored `retry_after` (what a well-behaved client never does).
public struct FakeFloodLimits: Sendable {
    public var chatInterval: Duration
    public var groupLimit: Int
    public var groupWindow: Duration
    /// Share of `chatInterval` two calls may be closer than it (network jitter).
    public var tolerance: Double
    /// A call this soon after a 429 was answered may have left before the client read the 429:
    /// it is answered 429 again but not counted as ignoring the wait.
    public var inFlightGrace: Duration

    /// Telegram's limits by default: one call a second per chat, 20 a minute per group.
    public init(chatInterval: Duration = .seconds(1), groupLimit: Int = 20, groupWindow: Duration = .seconds(60),
                tolerance: Double = 0.15, inFlightGrace: Duration = .milliseconds(250)) {
        self.chatInterval = chatInterval
        self.groupLimit = groupLimit
        self.groupWindow = groupWindow
        self.tolerance = tolerance
        self.inFlightGrace = inFlightGrace
    }
}

/// What the flood model saw.
public struct FakeFloodReport: Sendable, Equatable {
    /// 429 answers for a limit exceeded.
    public var rateLimited = 0
    /// Calls into a chat before the `retry_after` it was given had passed.
    public var ignoredRetryAfter = 0
    /// Calls admitted.
    public var admitted = 0
}

/// The state of the flood model (owned by `FakeBotState`).
struct FakeFloodModel {
    let limits: FakeFloodLimits
    private var lastCall: [Int64: ContinuousClock.Instant] = [:]
    private var recent: [Int64: [ContinuousClock.Instant]] = [:]
    private var blockedUntil: [Int64: ContinuousClock.Instant] = [:]
    private var blockedAt: [Int64: ContinuousClock.Instant] = [:]
    private(set) var report = FakeFloodReport()

    /// The methods Telegram's flood limits count.
    static let counted: Set<String> = ["sendMessage", "editMessageText", "sendMessageDraft", "createForumTopic",
                                       "deleteForumTopic", "sendPhoto", "sendDocument"]

    init(limits: FakeFloodLimits) {
        self.limits = limits
    }

    /// Nil when the call into `chat` is admitted (and recorded), else the `retry_after` seconds.
    mutating func admit(chat: Int64, now: ContinuousClock.Instant) -> Int? {
        if let until = blockedUntil[chat], now < until {
            if let since = blockedAt[chat], now - since > limits.inFlightGrace { report.ignoredRetryAfter += 1 }
            return Self.seconds(until - now)
        }
        var wait: Duration = .zero
        if let last = lastCall[chat] {
            let gap = now - last
            let allowed = limits.chatInterval * (1 - limits.tolerance)
            if gap < allowed { wait = limits.chatInterval - gap }
        }
        if chat < 0 {
            var calls = (recent[chat] ?? []).filter { now - $0 < limits.groupWindow }
            if calls.count >= limits.groupLimit {
                wait = max(wait, calls[calls.count - limits.groupLimit] + limits.groupWindow - now)
            }
            if wait == .zero { calls.append(now) }
            recent[chat] = calls
        }
        guard wait == .zero else {
            let seconds = Self.seconds(wait)
            blockedUntil[chat] = now + .seconds(seconds)
            blockedAt[chat] = now
            report.rateLimited += 1
            return seconds
        }
        lastCall[chat] = now
        report.admitted += 1
        return nil
    }

    /// Whole seconds, rounded up, at least 1 (Telegram's `retry_after` unit).
    private static func seconds(_ duration: Duration) -> Int {
        let (whole, fraction) = duration.components
        return max(1, Int(whole) + (fraction > 0 ? 1 : 0))
    }
}
