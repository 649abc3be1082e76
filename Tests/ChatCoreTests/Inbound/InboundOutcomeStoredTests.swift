import ACPControlPlane
import Foundation
import Testing
@testable import ChatCore

/// The JSON an outcome is stored as with its idempotency key: written by JSONKit, read back
/// whole, and readable for what earlier versions stored with Foundation's `JSONEncoder`.
@Suite("stored outcomes")
struct InboundOutcomeStoredTests {
    static var samples: [InboundOutcome] {
        var full = InboundOutcome(accepted: true, runId: RunID(), reply: "OK: \"quoted\" / slashed \\ and\nnewline, ünïcode 🙂")
        full.request = "9f3a"
        full.replyPending = true
        return [InboundOutcome(accepted: false), .keyConflict, .inProgress,
                InboundOutcome(accepted: true, refusal: .rateLimited), full]
    }

    @Test("every field round-trips, and JSONEncoder decodes what is written (the Codable shape)", arguments: samples)
    func roundTrip(outcome: InboundOutcome) throws {
        let text = outcome.stored
        let back = InboundOutcome(stored: text)
        #expect(back == outcome && back.request == outcome.request && back.replyPending == outcome.replyPending, "\(text)")
        let foundation = try JSONDecoder().decode(InboundOutcome.self, from: Data(text.utf8))
        #expect(foundation == outcome && foundation.request == outcome.request && foundation.replyPending == outcome.replyPending)
    }

    @Test("an outcome JSONEncoder stored (earlier versions) reads back the same", arguments: samples)
    func readsFoundationJSON(outcome: InboundOutcome) throws {
        let old = String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self)
        let back = InboundOutcome(stored: old)
        #expect(back == outcome && back.request == outcome.request && back.replyPending == outcome.replyPending, "\(old)")
    }

    @Test("a malformed stored outcome counts as accepted without a reply")
    func malformed() {
        #expect(InboundOutcome(stored: "{not json") == InboundOutcome(accepted: true))
        #expect(InboundOutcome(stored: #"{"accepted":"yes"}"#) == InboundOutcome(accepted: true))
    }
}
