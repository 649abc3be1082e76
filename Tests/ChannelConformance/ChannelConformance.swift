import ACPControlPlane
import ChatCore

/// The channel conformance kit: runs `ConformanceCase`s against a `ConformanceSubject` (a
/// channel and its platform fake) and returns one result per case; the calling test asserts.
///
/// Each case gets a fresh channel from the subject and drives it through a real
/// `ConversationSendQueue` (the only caller of `send`/`edit` in acpd), then compares what the
/// fake shows with what was enqueued. Thread and DM cases call the channel directly where the
/// queue has no part. A case that does not end within `caseTimeout` fails.
public struct ChannelConformance: Sendable {
    /// The retry-after the rate-limit case injects (keep it short in tests).
    public var retryAfter: Duration
    /// How many messages the ordering case enqueues at once.
    public var orderingCount: Int
    /// How long one case may take.
    public var caseTimeout: Duration
    /// The send queue's retry policy in every case. Its `maxDelay` must exceed `retryAfter`
    /// (rounded up to what the platform can express).
    public var retryPolicy: RetryPolicy

    /// A kit; the defaults keep a full run of the in-memory reference channel well under a second
    /// plus one retry-after.
    public init(retryAfter: Duration = .milliseconds(200), orderingCount: Int = 5, caseTimeout: Duration = .seconds(20),
                retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20), maxDelay: .seconds(5))) {
        self.retryAfter = retryAfter
        self.orderingCount = max(2, orderingCount)
        self.caseTimeout = caseTimeout
        self.retryPolicy = retryPolicy
    }

    /// Runs `cases` one after another (each with its own channel) and returns their results in
    /// the same order.
    public func run<Subject: ConformanceSubject>(_ subject: Subject,
                                                 cases: [ConformanceCase] = ConformanceCase.allCases) async -> [ConformanceResult] {
        var results: [ConformanceResult] = []
        for conformanceCase in cases { results.append(await run(subject, conformanceCase)) }
        return results
    }

    /// Runs one case with a fresh channel from `subject`.
    public func run<Subject: ConformanceSubject>(_ subject: Subject, _ conformanceCase: ConformanceCase) async -> ConformanceResult {
        let start = ContinuousClock.now
        func result(_ outcome: ConformanceOutcome) -> ConformanceResult {
            ConformanceResult(conformanceCase, outcome, duration: .now - start)
        }
        if let fault = conformanceCase.requiredFault, !subject.injectableFaults.contains(fault) {
            return result(.skipped("the platform fake cannot inject \(fault)"))
        }
        let channel: Subject.Channel
        do { channel = try await subject.makeChannel() } catch {
            return result(.failed("makeChannel threw \(error)"))
        }
        let context = ConformanceContext(subject: subject, channel: ObservedChannel(channel), kit: self)
        let outcome: ConformanceOutcome
        do {
            try await withTimeout(caseTimeout) { try await context.check(conformanceCase) }
            outcome = .passed
        } catch let failure as ConformanceFailure {
            outcome = .failed(failure.description)
        } catch let skip as ConformanceSkip {
            outcome = .skipped(skip.description)
        } catch {
            outcome = .failed("unexpected error: \(error)")
        }
        await subject.tearDown(channel)
        return result(outcome)
    }

    /// Runs `body`, failing the case when it takes longer than `limit`.
    private func withTimeout(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await body(); return true }
            group.addTask { try await Task.sleep(for: limit); return false }
            defer { group.cancelAll() }
            guard try await group.next() == true else { throw ConformanceFailure("timed out after \(limit)") }
        }
    }
}
