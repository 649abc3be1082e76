import Testing
@testable import ACPControlPlane

@Suite("Session and run state machines")
struct StateMachineTests {
    /// Every legal session transition; everything not listed must be rejected.
    static let legalSession: [SessionState: [SessionEvent: SessionState]] = [
        .creating: [.ready: .idle, .failed: .error, .recovered: .idle, .closed: .closed],
        .idle: [.runStarted: .running, .failed: .error, .recovered: .idle, .closed: .closed],
        .running: [.runEnded: .idle, .cancelRequested: .cancelling, .failed: .error, .recovered: .idle, .closed: .closed],
        .cancelling: [.runEnded: .idle, .cancelRequested: .cancelling, .failed: .error, .recovered: .idle, .closed: .closed],
        .error: [.runStarted: .running, .recovered: .idle, .closed: .closed],
        .closed: [:],
    ]

    static let legalRun: [RunState: [RunEvent: RunState]] = [
        .queued: [.started: .running, .cancelRequested: .cancelled, .cancelled: .cancelled, .failed: .failed],
        .running: [.cancelRequested: .running, .cancelled: .cancelled, .finished: .completed, .failed: .failed],
        .completed: [:], .failed: [:], .cancelled: [:],
    ]

    @Test(arguments: SessionState.allCases)
    func sessionTransitions(from state: SessionState) throws {
        for event in SessionEvent.allCases {
            let expected = Self.legalSession[state]?[event]
            #expect(state.applying(event) == expected, "\(state) + \(event)")
            if let expected {
                #expect(try state.next(on: event, subject: "s") == expected)
            } else {
                #expect(throws: StateMachineViolation.self) { try state.next(on: event, subject: "s") }
            }
        }
    }

    @Test(arguments: RunState.allCases)
    func runTransitions(from state: RunState) throws {
        for event in RunEvent.allCases {
            let expected = Self.legalRun[state]?[event]
            #expect(state.applying(event) == expected, "\(state) + \(event)")
            if expected == nil {
                #expect(throws: StateMachineViolation.self) { try state.next(on: event, subject: "r") }
            }
        }
    }

    @Test func terminalStatesHaveNoWayOut() {
        for state in RunState.allCases where state.isTerminal {
            #expect(RunEvent.allCases.allSatisfy { state.applying($0) == nil })
        }
        #expect(SessionEvent.allCases.allSatisfy { SessionState.closed.applying($0) == nil })
        #expect(SessionState.closed.isTerminal)
    }

    /// Property: any sequence of events applied through the machine only visits legal states and
    /// a run never leaves a terminal state.
    @Test func randomWalksStayInsideTheMachine() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var run = RunState.queued
            for _ in 0..<10 {
                let event = RunEvent.allCases.randomElement(using: &generator)!
                if let next = run.applying(event) {
                    #expect(!run.isTerminal)
                    run = next
                }
            }
            var session = SessionState.creating
            for _ in 0..<10 {
                let event = SessionEvent.allCases.randomElement(using: &generator)!
                if let next = session.applying(event) {
                    #expect(session != .closed)
                    session = next
                }
            }
        }
    }
}
