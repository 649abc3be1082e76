#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ACPControlPlane

/// acpx's documented exit codes (docs/CLI.md "Exit codes").
enum AcpxExitCode: Int32, Sendable, CaseIterable {
    case success = 0
    /// Agent/protocol/runtime error (`RUNTIME`).
    case runtimeError = 1
    /// CLI usage error (`USAGE`): acpx did not accept the command line or the prompt.
    case usage = 2
    /// Timeout (`TIMEOUT`).
    case timeout = 3
    /// No session found for the scope (`NO_SESSION`).
    case noSession = 4
    /// Every permission request was denied or cancelled, none approved (`PERMISSION_DENIED`,
    /// `PERMISSION_PROMPT_UNAVAILABLE`).
    case permissionDenied = 5
    /// Interrupted by SIGINT/SIGTERM.
    case interrupted = 130
}

/// The end of a turn, as the runtime reports it: the Equatable twin of the terminal cases of
/// `RuntimeEvent`.
enum AcpxTurnOutcome: Sendable, Equatable {
    case done(StopReason)
    case failed(ACPError, retryable: Bool)

    var runtimeEvent: RuntimeEvent {
        switch self {
        case .done(let reason): .done(reason)
        case .failed(let error, let retryable): .failed(error, retryable: retryable)
        }
    }
}

/// What the prompt process showed before it exited.
struct AcpxTurnEvidence: Sendable, Equatable {
    /// The `session/prompt` result, when it arrived.
    var stopReason: StopReason?
    /// The error answer to `session/prompt`, when it arrived.
    var promptError: AcpxReportedError?
    /// The last other error acpx printed (its failure report before a non-zero exit).
    var reportedError: AcpxReportedError?
    /// acpd asked for a cancel (`cancel` was called, or the consumer went away).
    var cancelRequested = false
    var permissionsApproved = 0
    var permissionsDenied = 0
    /// The tail of acpx's stderr, for the log.
    var stderrTail: String?

    /// The most specific error acpx reported.
    var error: AcpxReportedError? { promptError ?? reportedError }
}

/// Maps how an acpx process ended to a typed outcome. Pure; the table is in docs/runtime-acpx.md
/// and tested case by case.
enum AcpxExitStatus {
    /// The outcome of a `prompt` call.
    static func turnOutcome(_ exit: ProcessExit, evidence: AcpxTurnEvidence) -> AcpxTurnOutcome {
        let code: AcpxExitCode? = if case .exited(let status) = exit { AcpxExitCode(rawValue: status) } else { nil }
        // Exit 5 is set after a completed turn when every permission was refused: report it even
        // though a stop reason arrived, so the operator learns that the policy blocked the agent.
        if code == .permissionDenied {
            return .failed(permissionDenied(evidence), retryable: false)
        }
        if let stopReason = evidence.stopReason, code != .usage, code != .noSession, code != .timeout {
            return .done(stopReason)
        }
        let cancelled = evidence.cancelRequested
        switch (code, exit) {
        case (.success?, _):
            if cancelled { return .done(.cancelled) }
            if let error = evidence.promptError {
                return .failed(turnFailed(error, evidence), retryable: error.retryable ?? false)
            }
            return .failed(ACPError(.protocolError, message: "acpx ended the turn without the agent's answer",
                                    detail: detail("acpx exited 0 without a session/prompt result", evidence)),
                           retryable: false)
        case (.runtimeError?, _):
            if cancelled { return .done(.cancelled) }
            return .failed(turnFailed(evidence.error, evidence), retryable: evidence.error?.retryable ?? false)
        case (.usage?, _):
            return .failed(usage(evidence), retryable: false)
        case (.timeout?, _):
            return .failed(ACPError(.turnTimeout, message: "the agent did not answer in time (acpx timeout)",
                                    detail: detail("acpx exit 3", evidence)), retryable: true)
        case (.noSession?, _):
            return .failed(noSession(evidence), retryable: true)
        case (.interrupted?, _):
            if cancelled { return .done(.cancelled) }
            return .failed(ACPError(.turnFailed, message: "acpx was interrupted before the turn ended",
                                    detail: detail("acpx exit 130", evidence)), retryable: true)
        case (.permissionDenied?, _):
            return .failed(permissionDenied(evidence), retryable: false)
        case (nil, .signaled(let signal)):
            if cancelled { return .done(.cancelled) }
            return .failed(ACPError(.turnFailed, message: "acpx stopped unexpectedly",
                                    detail: detail("acpx killed by signal \(signal)", evidence)), retryable: true)
        case (nil, .exited(let status)):
            if cancelled { return .done(.cancelled) }
            return .failed(ACPError(.turnFailed, message: "acpx failed",
                                    detail: detail("acpx exited with undocumented status \(status)", evidence)),
                           retryable: false)
        }
    }

    /// The failure of a `sessions ensure` call (nil for exit 0), with whether a new attempt may work.
    static func ensureFailure(_ exit: ProcessExit, error: AcpxReportedError?, stderrTail: String?) -> (ACPError, retryable: Bool)? {
        var evidence = AcpxTurnEvidence()
        evidence.reportedError = error
        evidence.stderrTail = stderrTail
        switch exit {
        case .exited(0):
            return nil
        case .exited(AcpxExitCode.usage.rawValue):
            return (usage(evidence), false)
        case .exited(AcpxExitCode.timeout.rawValue):
            return (ACPError(.sessionInitFailed, message: "the agent did not start in time (acpx timeout)",
                             detail: detail("acpx sessions ensure exit 3", evidence)), true)
        case .exited(AcpxExitCode.noSession.rawValue):
            return (noSession(evidence), true)
        case .exited(AcpxExitCode.interrupted.rawValue), .signaled:
            return (ACPError(.sessionInitFailed, message: "acpx was interrupted while starting the agent",
                             detail: detail("acpx sessions ensure \(exit)", evidence)), true)
        case .exited(let status):
            if error?.detailCode == "AUTH_REQUIRED" {
                return (ACPError(.sessionInitFailed, message: "the agent needs to log in before it can start a session",
                                 hint: "log the agent in on the acpd host (run it once by hand), then try again",
                                 detail: detail("acpx sessions ensure exit \(status)", evidence)), false)
            }
            return (ACPError(.sessionInitFailed,
                             detail: detail("acpx sessions ensure exit \(status)", evidence)), error?.retryable ?? false)
        }
    }

    private static func turnFailed(_ error: AcpxReportedError?, _ evidence: AcpxTurnEvidence) -> ACPError {
        if error?.detailCode == "AUTH_REQUIRED" {
            return ACPError(.turnFailed, message: "the agent needs to log in",
                            hint: "log the agent in on the acpd host (run it once by hand), then send the message again",
                            detail: detail("acpx reported AUTH_REQUIRED", evidence))
        }
        return ACPError(.turnFailed, detail: detail("acpx runtime error", evidence))
    }

    private static func usage(_ evidence: AcpxTurnEvidence) -> ACPError {
        ACPError(.backendUnavailable, message: "acpx did not accept acpd's request",
                 hint: "check that acpx.command is an acpx release with `sessions ensure` and `--json-strict`; run `acpd doctor`",
                 detail: detail("acpx exit 2 (usage)", evidence))
    }

    private static func noSession(_ evidence: AcpxTurnEvidence) -> ACPError {
        ACPError(.sessionNotFound, message: "the acpx session of this conversation is gone",
                 hint: "send the message again: acpd starts a new agent session",
                 detail: detail("acpx exit 4 (no session)", evidence))
    }

    private static func permissionDenied(_ evidence: AcpxTurnEvidence) -> ACPError {
        ACPError(.turnFailed, message: "acpx refused every permission the agent asked for",
                 hint: "agents run through acpx cannot ask in chat; set acp.permissions.mode to approve-reads or approve-all",
                 detail: detail("acpx exit 5 (permission denied; \(evidence.permissionsDenied) denied, \(evidence.permissionsApproved) approved)", evidence))
    }

    /// The log-only detail: what happened, acpx's own error, and the tail of its stderr.
    static func detail(_ summary: String, _ evidence: AcpxTurnEvidence) -> String {
        var parts = [summary]
        if let error = evidence.error { parts.append("acpx: \(error.logText)") }
        if let stderr = evidence.stderrTail?.trimmingWhitespace(), !stderr.isEmpty {
            parts.append("stderr: \(stderr.suffix(500))")
        }
        return parts.joined(separator: "; ")
    }
}
