@testable import ACPControlPlane
import Foundation
import Testing

/// Elicitation events through the event log's columns (`kind`, `data`) and back.
@Suite struct ElicitationEventCodingTests {
    @Test func roundTrip() throws {
        let form = ElicitationForm(title: "T", fields: [ElicitationField(name: "env", kind: .string, required: true,
                                                                         choices: [ElicitationChoice(value: "a", title: "A")])])
        let prompt = ElicitationPrompt(id: 5, message: "m", mode: .form(form), values: ["env": .string("a")], deadline: Date(timeIntervalSince1970: 10))
        let events: [ElicitationEvent] = [
            .requested(prompt),
            .requested(ElicitationPrompt(id: 6, message: "u", mode: .url(url: "https://x", elicitationId: "e"), deadline: Date(timeIntervalSince1970: 0))),
            .progress(ElicitationProgress(id: 5, values: ["n": .number(1.5), "t": .strings(["a"]), "b": .boolean(true)])),
            .resolved(ElicitationResolution(id: 5, how: .accepted, values: ["i": .integer(3)])),
            .resolved(ElicitationResolution(id: 5, how: .interrupted)),
            .completed(id: 6),
        ]
        var kinds: Set<String> = []
        for event in events {
            let columns = try EventCoding.encode(.elicitation(event))
            kinds.insert(columns.kind)
            #expect(try EventCoding.decode(kind: columns.kind, text: columns.text, data: columns.data) == .elicitation(event))
        }
        #expect(kinds == ["elicitation", "elicitation_progress", "elicitation_resolved", "elicitation_completed"])
    }
}
