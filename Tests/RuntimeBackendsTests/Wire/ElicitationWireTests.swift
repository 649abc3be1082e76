import ACPControlPlane
import JSONKit
import Testing
@testable import RuntimeBackends

/// `elicitation/create` params read into acpd's form, and the answers written back.
@Suite struct ElicitationWireTests {
    static func params(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test("a form keeps the agent's order, reads every property type and its constraints")
    func form() throws {
        let create = try ElicitationWire.parse(try Self.params("""
            {"sessionId":"s1","mode":"form","message":"Pick","requestedSchema":{"type":"object","title":"T","properties":{
              "name":{"type":"string","minLength":1,"maxLength":5,"pattern":"^a","format":"email","default":"a@b.c"},
              "env":{"type":"string","oneOf":[{"const":"p","title":"Prod"},{"const":"s","title":"Stage"}]},
              "plain":{"type":"string","enum":["x","y"]},
              "count":{"type":"integer","minimum":1,"maximum":9,"default":2},
              "ratio":{"type":"number","minimum":0.5},
              "ok":{"type":"boolean","default":true},
              "tags":{"type":"array","items":{"anyOf":[{"const":"a","title":"A"}]},"minItems":1,"maxItems":1},
              "more":{"type":"array","items":{"type":"string","enum":["m","n"]}},
              "_custom":{"type":"_x"}},
             "required":["name","count"]}}
            """))
        #expect(create.sessionId == "s1" && create.message == "Pick")
        guard case .form(let form) = create.mode else { Issue.record("not a form"); return }
        #expect(form.title == "T")
        #expect(form.fields.map(\.name) == ["name", "env", "plain", "count", "ratio", "ok", "tags", "more"], "an optional unknown type is left out")
        #expect(form.fields[0] == ElicitationField(name: "name", kind: .string, required: true, minLength: 1, maxLength: 5, pattern: "^a",
                                                  format: "email", defaultValue: .string("a@b.c")))
        #expect(form.fields[1].choices == [ElicitationChoice(value: "p", title: "Prod"), ElicitationChoice(value: "s", title: "Stage")])
        #expect(form.fields[2].choices == [ElicitationChoice(value: "x"), ElicitationChoice(value: "y")])
        #expect(form.fields[3] == ElicitationField(name: "count", kind: .integer, required: true, minimum: 1, maximum: 9, defaultValue: .integer(2)))
        #expect(form.fields[4].minimum == 0.5 && form.fields[4].kind == .number)
        #expect(form.fields[5].defaultValue == .boolean(true))
        #expect(form.fields[6].choices == [ElicitationChoice(value: "a", title: "A")] && form.fields[6].minItems == 1 && form.fields[6].maxItems == 1)
        #expect(form.fields[7].choices?.map(\.value) == ["m", "n"])
    }

    @Test("a URL; a request-scoped one has no session")
    func url() throws {
        let create = try ElicitationWire.parse(try Self.params(#"{"requestId":7,"mode":"url","message":"Go","elicitationId":"e1","url":"https://x.test/a"}"#))
        #expect(create.sessionId == nil)
        #expect(create.mode == .url(url: "https://x.test/a", elicitationId: "e1"))
    }

    @Test("what cannot be shown is unsupported (declined); what is malformed is invalid (-32602)")
    func problems() throws {
        let cases: [(String, Bool)] = [
            (#"{"sessionId":"s","mode":"_custom","message":"m"}"#, true),
            (#"{"sessionId":"s","mode":"form","message":"m","requestedSchema":{"properties":{"x":{"type":"_x"}},"required":["x"]}}"#, true),
            (#"{"sessionId":"s","mode":"form","requestedSchema":{}}"#, false),
            (#"{"sessionId":"s","mode":"form","message":"m"}"#, false),
            (#"{"sessionId":"s","message":"m"}"#, false),
            (#"{"sessionId":"s","mode":"url","message":"m","url":"https://x"}"#, false),
            (#"{"sessionId":"s","mode":"form","message":"m","requestedSchema":{"properties":{},"required":["ghost"]}}"#, false),
            (#"{"sessionId":"s","mode":"form","message":"m","requestedSchema":{"properties":{"t":{"type":"array","items":{}}}}}"#, false),
        ]
        for (text, unsupported) in cases {
            let params = try Self.params(text)
            do throws(ElicitationWire.Problem) {
                _ = try ElicitationWire.parse(params)
                Issue.record("accepted: \(text)")
            } catch {
                switch error {
                case .unsupported: #expect(unsupported, "\(text)")
                case .invalid: #expect(!unsupported, "\(text)")
                }
            }
        }
    }

    @Test("answers: accept with typed content (none for a URL), decline, cancel")
    func responses() {
        func text(_ outcome: ElicitationOutcome) -> String {
            ElicitationWire.response(outcome).jsonText(options: [.sortedKeys, .withoutEscapingSlashes])
        }
        #expect(text(.accept(["b": .boolean(true), "a": .strings(["x"]), "i": .integer(3), "n": .number(0.5), "s": .string("t")]))
            == #"{"action":"accept","content":{"a":["x"],"b":true,"i":3,"n":0.5,"s":"t"}}"#)
        #expect(text(.accept([:])) == #"{"action":"accept"}"#)
        #expect(text(.decline) == #"{"action":"decline"}"#)
        #expect(text(.cancel) == #"{"action":"cancel"}"#)
    }
}
