import ACPControlPlane
import Testing

@testable import RuntimeBackends

@Suite("acpx exit codes")
struct AcpxExitStatusTests {
    /// What a turn outcome should be: done with a stop reason, or failed with a code and flag.
    enum Expected: Equatable, CustomStringConvertible {
        case done(StopReason)
        case failed(ACPError.Code, retryable: Bool)

        init(_ outcome: AcpxTurnOutcome) {
            switch outcome {
            case .done(let reason): self = .done(reason)
            case .failed(let error, let retryable): self = .failed(error.code, retryable: retryable)
            }
        }

        var description: String {
            switch self {
            case .done(let reason): "done(\(reason))"
            case .failed(let code, let retryable): "failed(\(code.rawValue), retryable: \(retryable))"
            }
        }
    }

    static func evidence(stop: StopReason? = nil, promptError: AcpxReportedError? = nil, reported: AcpxReportedError? = nil,
                         cancelled: Bool = false) -> AcpxTurnEvidence {
        var evidence = AcpxTurnEvidence()
        evidence.stopReason = stop
        evidence.promptError = promptError
        evidence.reportedError = reported
        evidence.cancelRequested = cancelled
        return evidence
    }

    static let retryableRuntime = AcpxReportedError(code: -32603, message: "blip", acpxCode: "RUNTIME", retryable: true)

    /// The documented table (docs/runtime-acpx.md), row by row.
    static let turnTable: [(String, ProcessExit, AcpxTurnEvidence, Expected)] = [
        ("0 with result", .exited(0), evidence(stop: .endTurn), .done(.endTurn)),
        ("0 with cancelled result", .exited(0), evidence(stop: .cancelled, cancelled: true), .done(.cancelled)),
        ("0 without result", .exited(0), evidence(), .failed(.protocolError, retryable: false)),
        ("0 without result after cancel", .exited(0), evidence(cancelled: true), .done(.cancelled)),
        ("0 with prompt error", .exited(0), evidence(promptError: retryableRuntime), .failed(.turnFailed, retryable: true)),
        ("1 runtime", .exited(1), evidence(), .failed(.turnFailed, retryable: false)),
        ("1 runtime, acpx says retryable", .exited(1), evidence(reported: retryableRuntime), .failed(.turnFailed, retryable: true)),
        ("1 after the result", .exited(1), evidence(stop: .endTurn), .done(.endTurn)),
        ("1 after cancel", .exited(1), evidence(cancelled: true), .done(.cancelled)),
        ("2 usage", .exited(2), evidence(), .failed(.backendUnavailable, retryable: false)),
        ("3 timeout", .exited(3), evidence(), .failed(.turnTimeout, retryable: true)),
        ("3 timeout after cancel", .exited(3), evidence(cancelled: true), .failed(.turnTimeout, retryable: true)),
        ("4 no session", .exited(4), evidence(), .failed(.sessionNotFound, retryable: true)),
        ("5 permission denied", .exited(5), evidence(), .failed(.turnFailed, retryable: false)),
        ("5 even after the result", .exited(5), evidence(stop: .endTurn), .failed(.turnFailed, retryable: false)),
        ("130 interrupted", .exited(130), evidence(), .failed(.turnFailed, retryable: true)),
        ("130 after cancel", .exited(130), evidence(cancelled: true), .done(.cancelled)),
        ("130 after the result", .exited(130), evidence(stop: .endTurn), .done(.endTurn)),
        ("SIGKILL", .signaled(9), evidence(), .failed(.turnFailed, retryable: true)),
        ("SIGTERM after cancel", .signaled(15), evidence(cancelled: true), .done(.cancelled)),
        ("undocumented status", .exited(42), evidence(), .failed(.turnFailed, retryable: false)),
        ("undocumented status after cancel", .exited(42), evidence(cancelled: true), .done(.cancelled)),
    ]

    @Test("prompt exit codes map to the documented outcomes")
    func turnOutcomes() {
        for (label, exit, evidence, expected) in Self.turnTable {
            #expect(Expected(AcpxExitStatus.turnOutcome(exit, evidence: evidence)) == expected, "\(label)")
        }
    }

    @Test("every documented exit code has a row")
    func tableCoversEveryCode() {
        let covered = Set(Self.turnTable.compactMap { row -> Int32? in
            if case .exited(let code) = row.1 { return code }
            return nil
        })
        for code in AcpxExitCode.allCases {
            #expect(covered.contains(code.rawValue), "exit \(code.rawValue)")
        }
    }

    @Test("an AUTH_REQUIRED report says the agent needs login")
    func authRequired() {
        let auth = AcpxReportedError(code: -32000, message: "Authentication required", acpxCode: "RUNTIME", detailCode: "AUTH_REQUIRED")
        guard case .failed(let error, let retryable) = AcpxExitStatus.turnOutcome(.exited(1), evidence: Self.evidence(reported: auth)) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .turnFailed)
        #expect(error.message.contains("log in"))
        #expect(!retryable)
        #expect(error.detail?.contains("Authentication required") == true)
    }

    @Test("the detail carries acpx's error and stderr; the message does not")
    func detail() {
        var evidence = Self.evidence(reported: AcpxReportedError(code: -32603, message: "secret path /home/x", acpxCode: "RUNTIME"))
        evidence.stderrTail = "Traceback: boom"
        guard case .failed(let error, _) = AcpxExitStatus.turnOutcome(.exited(1), evidence: evidence) else {
            Issue.record("expected a failure")
            return
        }
        #expect(!error.message.contains("/home/x"))
        #expect(error.detail?.contains("secret path /home/x") == true)
        #expect(error.detail?.contains("Traceback: boom") == true)
    }

    @Test("sessions ensure exit codes", arguments: [
        (ProcessExit.exited(0), nil as ACPError.Code?, false),
        (.exited(1), .sessionInitFailed, false),
        (.exited(2), .backendUnavailable, false),
        (.exited(3), .sessionInitFailed, true),
        (.exited(4), .sessionNotFound, true),
        (.exited(5), .sessionInitFailed, false),
        (.exited(130), .sessionInitFailed, true),
        (.signaled(9), .sessionInitFailed, true),
    ])
    func ensureFailures(exit: ProcessExit, code: ACPError.Code?, retryable: Bool) {
        let failure = AcpxExitStatus.ensureFailure(exit, error: nil, stderrTail: nil)
        #expect(failure?.0.code == code)
        #expect((failure?.retryable ?? false) == retryable)
    }

    @Test("ensure honours acpx's retryable flag and AUTH_REQUIRED")
    func ensureFlags() {
        let retry = AcpxExitStatus.ensureFailure(.exited(1), error: Self.retryableRuntime, stderrTail: nil)
        #expect(retry?.retryable == true)
        let auth = AcpxExitStatus.ensureFailure(
            .exited(1), error: AcpxReportedError(message: "auth", detailCode: "AUTH_REQUIRED", retryable: true), stderrTail: nil)
        #expect(auth?.0.code == .sessionInitFailed)
        #expect(auth?.retryable == false)
        #expect(auth?.0.message.contains("log in") == true)
    }
}
