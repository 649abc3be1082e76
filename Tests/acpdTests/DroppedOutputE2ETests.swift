import Foundation
import Testing
import TestSupport

/// Issue 11, finding 8: agent output acpd cannot read (a line that is not JSON, an invalid
/// notification) is no longer dropped silently: the conversation is told once per run, the run
/// still completes with what could be read, and the drops are counted.
struct DroppedOutputE2ETests {
    @Test("unreadable agent lines: one notice in the conversation, the answer still arrives, the metric counts them")
    func unreadableLinesAreReportedOnce() async throws {
        try await withE2EDaemon(boundConversations: ["room1"]) { chat, _ in
            let run = try await chat.prompt("hello [garbage]", in: "room1")
            _ = try await chat.waitForRun(run, state: "completed")
            _ = try await chat.finalText(of: run, in: "room1")
            let texts = try await chat.messages(in: "room1").filter { $0.runId == run }.map(\.text)
            let notices = texts.filter { $0.contains("some agent output could not be read") }
            #expect(notices.count == 1, "\(texts)")
            #expect(texts.contains { $0.contains("echo: hello") }, "\(texts)")
            let (_, metrics) = try await chat.daemon.request("GET", "/metrics")
            let exposition = String(decoding: metrics, as: UTF8.self)
            #expect(exposition.contains(#"acpd_agent_output_dropped_total{reason="malformed"} 1"#), "\(exposition)")
            #expect(exposition.contains(#"acpd_agent_output_dropped_total{reason="invalid_notification"} 1"#), "\(exposition)")
        }
    }
}
