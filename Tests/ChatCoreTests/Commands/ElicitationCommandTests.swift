import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Testing

/// `/acp answer <n> [field=value …] [--set]` and `/acp decline <n>`: grammar and policy.
@Suite struct ElicitationCommandTests {
    @Test func answersParse() {
        #expect(CommandParser.parse("/acp answer 4") == .command(.answer(number: 4, fields: [], setOnly: false)))
        #expect(CommandParser.parse(#"/acp answer 4 env=prod reason="two words" empty="#)
            == .command(.answer(number: 4, fields: [FieldValue(field: "env", value: "prod"), FieldValue(field: "reason", value: "two words"),
                                                     FieldValue(field: "empty", value: "")], setOnly: false)))
        #expect(CommandParser.parse("/acp answer 4 --set dry_run=yes")
            == .command(.answer(number: 4, fields: [FieldValue(field: "dry_run", value: "yes")], setOnly: true)))
        #expect(CommandParser.parse("/acp answer 4 a=b=c") == .command(.answer(number: 4, fields: [FieldValue(field: "a", value: "b=c")], setOnly: false)))
        #expect(CommandParser.parse("/acp decline 9") == .command(.decline(number: 9)))
    }

    @Test func badAnswersAreRefusedWithTheirUsage() {
        for text in ["/acp answer", "/acp answer x", "/acp answer 0", "/acp answer 3 reason", "/acp answer 3 =x", "/acp decline",
                     "/acp decline 3 4", "/acp decline 3 --set", "/acp answer 3 --force"] {
            guard case .invalid(let name, let error) = CommandParser.parse(text) else {
                Issue.record("\(text) parsed")
                continue
            }
            #expect([CommandName.answer, .decline].contains(name), "\(text)")
            #expect(error.code == .invalidArgument, "\(text)")
        }
    }

    @Test("answering needs the approver policy, like permission answers")
    func policy() {
        #expect(CommandName.answer.policy == .approver)
        #expect(CommandName.decline.policy == .approver)
        #expect(!CommandName.answer.isGuarded && !CommandName.answer.isTopLevel)
        #expect(CommandHelp.text().contains("/acp answer <n> [field=value …] [--set]"))
    }

    @Test("button values with blanks or quotes are quoted so the tokenizer reads them back")
    func quotedValuesRoundTrip() {
        for value in ["plain", "two words", #"say "hi""#, #"back\slash"#, ""] {
            let text = "/acp answer 2 f=\(ElicitationText.quoted(value))"
            #expect(CommandParser.parse(text) == .command(.answer(number: 2, fields: [FieldValue(field: "f", value: value)], setOnly: false)), "\(text)")
        }
    }
}
