import Foundation
import Testing
import TestSupport
@testable import ACPControlPlane

/// `acp_session_options` (migration v4-modes): what a session keeps of its agent settings.
@Suite("Session options in the store")
struct SessionOptionsTablesTests {
    @Test func roundTripPerIncarnation() async throws {
        try await withTemporaryDirectory { dir in
            let fixture = try StoreFixture(dir: dir)
            let store = fixture.store
            let incarnation = 1_765_000_000.123
            #expect(try store.sessionOptions(fixture.key, incarnation: incarnation) == SessionOptions())

            var options = SessionOptions(modeId: "plan", config: [.init(id: "model", value: "smart"), .init(id: "effort", value: "high")],
                                         permissionMode: .approveReads, turnTimeoutSeconds: 90)
            options.commands = [AgentCommand(name: "echo", description: "Echo \"it\"", inputHint: "text"), AgentCommand(name: "help", description: "")]
            options.noteUsage(Usage(used: 100, size: 2000, costAmount: 0.5, costCurrency: "USD"), agentSession: "a1")
            try store.saveSessionOptions(options, for: fixture.key, incarnation: incarnation, at: 5)
            #expect(try store.sessionOptions(fixture.key, incarnation: incarnation) == options)

            // A new incarnation of the key (a closed session made again) starts from config.
            #expect(try store.sessionOptions(fixture.key, incarnation: incarnation + 60) == SessionOptions())
            try store.saveSessionOptions(SessionOptions(turnTimeoutSeconds: 5), for: fixture.key, incarnation: incarnation + 60, at: 6)
            #expect(try store.sessionOptions(fixture.key, incarnation: incarnation + 60).turnTimeoutSeconds == 5)
            #expect(try store.sessionOptions(fixture.key, incarnation: incarnation) == SessionOptions())
        }
    }

    @Test func choicesKeepTheirPlaceAndCostCarriesAcrossAgentSessions() {
        var options = SessionOptions()
        options.choose("model", "fast")
        options.choose("effort", "low")
        options.choose("model", "smart")
        #expect(options.config == [.init(id: "model", value: "smart"), .init(id: "effort", value: "low")])
        #expect(options.value(of: "effort") == "low" && options.value(of: "nope") == nil)

        #expect(options.totalCost == nil)
        options.noteUsage(Usage(used: 10, size: 100, costAmount: 0.25, costCurrency: "USD"), agentSession: "a")
        options.noteUsage(Usage(used: 20, size: 100, costAmount: 0.5, costCurrency: "USD"), agentSession: "a")
        #expect(options.totalCost == 0.5)  // cumulative within one agent session
        options.noteUsage(Usage(used: 5, size: 100, costAmount: 0.125, costCurrency: "USD"), agentSession: "b")
        #expect(options.costCarried == 0.5 && options.totalCost == 0.625)
        options.noteUsage(Usage(used: 6, size: 100), agentSession: "c")  // an agent that reports no cost
        #expect(options.totalCost == 0.625)
    }
}
