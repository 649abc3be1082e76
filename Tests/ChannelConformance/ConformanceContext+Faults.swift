import ACPControlPlane
import ChatCore

/// The cases where the platform fake fails a call: how the channel reports it decides whether the
/// send queue retries, waits, or must not repeat.
extension ConformanceContext {
    func checkRateLimited() async throws {
        let wait = kit.retryAfter
        let text = "Conformance: rate limited, then delivered once"
        let before = try await visible()
        await subject.inject(.rateLimited(retryAfter: wait))
        let report = await drive { $0.post([operation(.send, text)]) }
        let sends = channel.recorded.filter { $0.method == .send }
        guard let refused = sends.first, let error = refused.error else {
            throw ConformanceFailure("the 429 never surfaced: the first send succeeded (the send queue owns retries)")
        }
        guard case .rateLimited(let retryAfter)? = refused.channelError else {
            throw ConformanceFailure("a 429 surfaced as \(error), not ChannelError.rateLimited")
        }
        guard let retryAfter, retryAfter >= wait else {
            throw ConformanceFailure("the platform said retry after \(wait); the channel reported retryAfter \(retryAfter.map { "\($0)" } ?? "nil")")
        }
        try requireClean(report)
        try require(sends.count == 2, "expected the refused send and one retry, saw \(sends.count) sends")
        let waited = sends[1].started - refused.ended
        try require(waited >= wait, "the retry went out \(waited) after the 429, before its retry-after \(wait)")
        let new = try await requireAppeared([text], since: before)
        try requireRefs(report.receipts.flatMap(\.messages), name: new)
    }

    func checkTransientFailure() async throws {
        let text = "Conformance: a server error, then delivered once"
        let before = try await visible()
        await subject.inject(.transient)
        let report = await drive { $0.post([operation(.send, text)]) }
        let sends = channel.recorded.filter { $0.method == .send }
        guard let failed = sends.first, let error = failed.error else {
            throw ConformanceFailure("the server error never surfaced: the first send succeeded (the send queue owns retries)")
        }
        switch failed.channelError {
        case .transient?, .rateLimited?: break
        default: throw ConformanceFailure("a server error surfaced as \(error), not a retryable ChannelError.transient")
        }
        try requireClean(report)
        let new = try await requireAppeared([text], since: before)
        try requireRefs(report.receipts.flatMap(\.messages), name: new)
    }

    func checkUnknownOutcome() async throws {
        // A send the platform applied but whose answer was lost: shown once, never repeated.
        let text = "Conformance: unknown outcome of a send"
        let before = try await visible()
        await subject.inject(.outcomeUnknown)
        let report = await drive { $0.post([operation(.send, text)]) }
        let new = try await appeared(since: before)
        let copies = new.filter { $0.text == text }.count
        try require(copies <= 1, "the platform shows the message \(copies) times: a send whose outcome was unknown was repeated")
        try require(copies == 1, "the platform fake must apply the request before it drops the answer; it shows nothing")
        try require(new.count == 1, "unexpected new messages: \(quotedList(new.map(\.text)))")
        if let first = channel.recorded.first(where: { $0.method == .send }), let error = first.error {
            guard case .outcomeUnknown? = first.channelError else {
                throw ConformanceFailure("a send the platform applied was reported as \(error), not ChannelError.outcomeUnknown")
            }
        } else {
            // The channel found out by itself that the send went through: then it must name it.
            try requireClean(report)
            try requireRefs(report.receipts.flatMap(\.messages), name: new)
        }

        // The same for the edit of a run's message (for a channel without edits: the new message
        // the send queue posts instead).
        let first = "Conformance: unknown outcome, first version", second = "Conformance: unknown outcome, second version"
        let beforeEdit = try await visible()
        let injected = Locked(false)
        let run = RunID()
        _ = await drive(beforeCall: { [subject] method, _ in
            guard method == .edit, !injected.withLock({ done in defer { done = true }; return done }) else { return }
            await subject.inject(.outcomeUnknown)
        }) {
            $0.run(run, [operation(.send, first, kind: .reply)])
            $0.run(run, [operation(.edit, second, kind: .reply, isFinal: true)])
        }
        let edited = try await appeared(since: beforeEdit)
        let expected = capabilities.supportsEdit ? [second] : [first, second]
        try require(edited.map(\.text) == expected,
                    "after an edit whose outcome was unknown the platform shows \(quotedList(edited.map(\.text))), expected \(quotedList(expected))")
    }
}
