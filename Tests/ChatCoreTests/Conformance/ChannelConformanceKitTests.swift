import ACPControlPlane
import ChatChannelConformance
@testable import ChatCore
import Testing

/// The conformance kit itself: the in-memory reference channel passes every case, and each
/// deliberately broken channel fails exactly the case that is about its bug.
@Suite("Channel conformance kit")
struct ChannelConformanceKitTests {
    /// The cases that failed, with their reasons (for the expectation's message).
    func failures(_ results: [ConformanceResult]) -> [ConformanceCase: String] {
        Dictionary(uniqueKeysWithValues: results.compactMap { result in
            if case .failed(let reason) = result.outcome { (result.conformanceCase, reason) } else { nil }
        })
    }

    @Test("the reference channel passes every case, none skipped")
    func referencePasses() async {
        let results = await ChannelConformance().run(InMemorySubject())
        #expect(results.map(\.conformanceCase) == ConformanceCase.allCases)
        for result in results { #expect(result.passed, "\(result)") }
    }

    @Test("a reference channel without edits passes every case but the not-modified edit, which is skipped")
    func referenceWithoutEditsPasses() async {
        let results = await ChannelConformance().run(InMemorySubject(supportsEdit: false))
        for result in results where result.conformanceCase != .notModifiedEdit { #expect(result.passed, "\(result)") }
        #expect(results.first { $0.conformanceCase == .notModifiedEdit }?.skipped == true)
    }

    /// A deliberately broken channel and the cases it must fail.
    struct Broken: Sendable, CustomTestStringConvertible {
        var flaw: InMemoryChannel.Flaw
        var fails: Set<ConformanceCase>
        var testDescription: String { "\(flaw) fails \(fails.map(\.rawValue).sorted())" }
    }

    @Test("each broken channel fails the cases about its bug, and only those",
          arguments: [
              // Its edit of a message whose answer was lost is repeated too: a duplicate.
              Broken(flaw: .editAppends, fails: [.editInPlace, .notModifiedEdit, .buttons, .unknownOutcome]),
              Broken(flaw: .lostAnswerIsTransient, fails: [.unknownOutcome]),
              Broken(flaw: .ignoresPlatformLimit, fails: [.splitAtLimit]),
              Broken(flaw: .notModifiedIsError, fails: [.notModifiedEdit]),
          ])
    func brokenChannelsFail(_ broken: Broken) async {
        let results = await ChannelConformance().run(InMemorySubject(flaw: broken.flaw))
        let failed = failures(results)
        #expect(Set(failed.keys) == broken.fails, "\(failed)")
    }

    @Test("a broken channel's failure says what went wrong")
    func failureReasons() async {
        let kit = ChannelConformance()
        let duplicate = await kit.run(InMemorySubject(flaw: .lostAnswerIsTransient), .unknownOutcome)
        #expect(duplicate.outcome == .failed("the platform shows the message 2 times: a send whose outcome was unknown was repeated"))
        let appended = await kit.run(InMemorySubject(flaw: .editAppends), .editInPlace)
        guard case .failed(let reason) = appended.outcome else {
            Issue.record("expected a failure, got \(appended)")
            return
        }
        #expect(reason.hasPrefix("edit should change the message in place; the platform shows 2 new messages"))
    }

    @Test("a subject that cannot inject a fault has that case skipped, not failed")
    func faultCasesSkip() async {
        struct NoFaults: ConformanceSubject {
            let inner = InMemorySubject()
            var conversation: ConversationRef { inner.conversation }
            func makeChannel() async throws -> InMemoryChannel { try await inner.makeChannel() }
            func visibleMessages(in conversation: ConversationRef) async throws -> [VisibleMessage] {
                try await inner.visibleMessages(in: conversation)
            }
        }
        let results = await ChannelConformance().run(NoFaults(), cases: [.rateLimited, .transientFailure, .unknownOutcome])
        #expect(results.allSatisfy { $0.skipped }, "\(results)")
    }
}
