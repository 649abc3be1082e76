import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Testing

private typealias H = ProjectorHarness
private typealias Op = DeliveryOperation

/// How the projector shows elicitations: one message with buttons (one row per choice or yes/no
/// field, Submit with several fields, Decline), edited on progress and at the end.
@Suite("Elicitation projection")
struct ElicitationProjectionTests {
    static let form = ElicitationForm(fields: [
        ElicitationField(name: "env", kind: .string, title: "Environment", required: true,
                         choices: [ElicitationChoice(value: "staging"), ElicitationChoice(value: "prod", title: "Production")]),
        ElicitationField(name: "dry_run", kind: .boolean, defaultValue: .boolean(false)),
        ElicitationField(name: "reason", kind: .string, required: true, minLength: 3),
    ])

    static func prompt(_ mode: ElicitationMode = .form(form), values: [String: ElicitationValue] = ["dry_run": .boolean(false)]) -> ElicitationPrompt {
        ElicitationPrompt(id: 5, message: "Deploy?", mode: mode, values: values, deadline: Date(timeIntervalSince1970: 0))
    }

    @Test("a form: its message with a row of buttons per choice field, then Submit and Decline; progress edits it, the end removes the buttons")
    func formLifecycle() throws {
        let ops = H().run([.elicitation(.requested(Self.prompt())),
                           .elicitation(.progress(ElicitationProgress(id: 5, values: ["dry_run": .boolean(false), "env": .string("prod")]))),
                           .elicitation(.resolved(ElicitationResolution(id: 5, how: .declined)))])
        try #require(ops.count == 3)
        #expect(ops[0].action == .send && ops[0].kind == .permission && ops[0].checkpoint == 1)
        #expect(ops[0].buttons == [
            [ChatButton(label: "staging", payload: "/acp answer 5 --set env=staging"),
             ChatButton(label: "Production", payload: "/acp answer 5 --set env=prod")],
            [ChatButton(label: "Yes", payload: "/acp answer 5 --set dry_run=yes"), ChatButton(label: "✓ No", payload: "/acp answer 5 --set dry_run=no")],
            [ChatButton(label: "Submit", payload: "/acp answer 5"), ChatButton(label: "Decline", payload: "/acp decline 5")],
        ])
        #expect(ops[1].action == .edit && ops[1].slot == ops[0].slot && ops[1].text.contains("(required) → prod"))
        #expect(ops[1].buttons[0][1].label == "✓ Production")
        #expect(ops[2] == Op(.edit, slot: ops[0].slot, text: "❓ Question from the agent (#5): Deploy? — declined", kind: .permission, checkpoint: 3))
    }

    @Test("the answer line names what is still needed: the next typed field, then an open choice, then submit")
    func answerLineNamesWhatIsMissing() {
        let form = Self.form
        let typed = ElicitationText.howToAnswer(Self.prompt(), form: form, values: ["dry_run": .boolean(false)])
        #expect(typed.hasPrefix("Reply with the reason"), "\(typed)")
        let choice = ElicitationText.howToAnswer(Self.prompt(), form: form, values: ["dry_run": .boolean(false), "reason": .string("ship it")])
        #expect(choice.hasPrefix("Still needed: Environment (/acp answer 5 --set env=…)"), "\(choice)")
        let ready = ElicitationText.howToAnswer(Self.prompt(), form: form,
                                                values: ["dry_run": .boolean(false), "reason": .string("ship it"), "env": .string("prod")])
        #expect(ready.hasPrefix("Reply /acp answer 5 to submit"), "\(ready)")
    }

    @Test("a form of one choice field answers with one press; a URL has Continue and Decline")
    func singleFieldAndURL() {
        let single = ElicitationForm(fields: [ElicitationField(name: "ok", kind: .boolean, required: true)])
        let ops = H().run([.elicitation(.requested(Self.prompt(.form(single), values: [:])))])
        #expect(ops.first?.buttons == [
            [ChatButton(label: "Yes", payload: "/acp answer 5 ok=yes"), ChatButton(label: "No", payload: "/acp answer 5 ok=no")],
            [ChatButton(label: "Decline", payload: "/acp decline 5")],
        ])
        let url = H().run([.elicitation(.requested(Self.prompt(.url(url: "https://example.com/a", elicitationId: "e1"), values: [:]))),
                           .elicitation(.resolved(ElicitationResolution(id: 5, how: .accepted))),
                           .elicitation(.completed(id: 5))])
        #expect(url.first?.buttons == [[ChatButton(label: "Continue", payload: "/acp answer 5"), ChatButton(label: "Decline", payload: "/acp decline 5")]])
        #expect(url.map(\.text).dropFirst() == [
            "🔗 Link from the agent (#5): Deploy? — continued, waiting for the agent",
            "🔗 Link from the agent (#5): Deploy? — completed",
        ])
    }

    @Test("without edits each change is a new message; without buttons none are sent")
    func noEditsNoButtons() {
        var harness = H()
        harness.channel = ChannelCapabilities(maxMessageLength: 4096, supportsEdit: false, supportsButtons: false)
        let ops = harness.run([.elicitation(.requested(Self.prompt())), .elicitation(.resolved(ElicitationResolution(id: 5, how: .timedOut)))])
        #expect(ops.map(\.action) == [.send, .send])
        #expect(ops.allSatisfy { $0.buttons.isEmpty })
        #expect(ops.last?.text == "❓ Question from the agent (#5): Deploy? — timed out (cancelled)")
    }

    @Test("a resolution whose question this projection never showed is a message of its own")
    func settledAfterRestart() {
        let ops = H().run([.elicitation(.resolved(ElicitationResolution(id: 8, how: .interrupted)))])
        #expect(ops == [Op(.send, slot: 0, text: "❓ Question from the agent (#8) — cancelled: acpd restarted", kind: .permission, checkpoint: 1)])
    }
}
