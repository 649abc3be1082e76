/// What became of one case.
public enum ConformanceOutcome: Sendable, Equatable {
    /// The channel has the case's property.
    case passed
    /// The channel broke the case's property; `reason` says how.
    case failed(String)
    /// The case could not run here (a fault the fake cannot inject, no thread parent named).
    case skipped(String)
}

/// One case's outcome against one channel.
public struct ConformanceResult: Sendable, Equatable, CustomStringConvertible {
    /// Which case ran.
    public var conformanceCase: ConformanceCase
    /// What became of it.
    public var outcome: ConformanceOutcome
    /// How long it took (channel set-up and tear-down included).
    public var duration: Duration

    /// A result.
    public init(_ conformanceCase: ConformanceCase, _ outcome: ConformanceOutcome, duration: Duration = .zero) {
        self.conformanceCase = conformanceCase
        self.outcome = outcome
        self.duration = duration
    }

    /// Whether the case passed.
    public var passed: Bool { outcome == .passed }
    /// Whether the case failed.
    public var failed: Bool { if case .failed = outcome { true } else { false } }
    /// Whether the case was skipped.
    public var skipped: Bool { if case .skipped = outcome { true } else { false } }

    /// `case: passed`, `case: FAILED: reason` or `case: skipped: reason`.
    public var description: String {
        switch outcome {
        case .passed: "\(conformanceCase): passed"
        case .failed(let reason): "\(conformanceCase): FAILED: \(reason)"
        case .skipped(let reason): "\(conformanceCase): skipped: \(reason)"
        }
    }
}

/// Thrown inside a case: the property does not hold.
struct ConformanceFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Thrown inside a case: it cannot run against this subject.
struct ConformanceSkip: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Fails the case with `reason` unless `condition` holds.
func require(_ condition: Bool, _ reason: @autoclosure () -> String) throws {
    if !condition { throw ConformanceFailure(reason()) }
}
