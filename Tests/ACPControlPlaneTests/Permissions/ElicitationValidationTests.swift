@testable import ACPControlPlane
import Testing

/// Reading and checking elicitation answers against their field's schema (`ElicitationField.parse`
/// and `check`): type, range, length, pattern, choices, items, formats.
@Suite("Elicitation field validation")
struct ElicitationValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var field: ElicitationField
        var text: String
        /// The value read, or the reason it was refused.
        var expected: Result<ElicitationValue, ElicitationInvalid>
        var testDescription: String { "\(field.kind.rawValue) \(text.debugDescription)" }
    }

    static let reason = ElicitationField(name: "reason", kind: .string, minLength: 3, maxLength: 10)
    static let slug = ElicitationField(name: "slug", kind: .string, pattern: "^[a-z][a-z0-9-]*$")
    static let env = ElicitationField(name: "env", kind: .string,
                                      choices: [ElicitationChoice(value: "staging", title: "Staging"), ElicitationChoice(value: "prod", title: "Production")])
    static let count = ElicitationField(name: "count", kind: .integer, minimum: 1, maximum: 5)
    static let ratio = ElicitationField(name: "ratio", kind: .number, minimum: 0, maximum: 1)
    static let flag = ElicitationField(name: "flag", kind: .boolean)
    static let tags = ElicitationField(name: "tags", kind: .multiSelect, choices: ["a", "b", "c"].map { ElicitationChoice(value: $0) },
                                       minItems: 1, maxItems: 2)
    static func format(_ format: String) -> ElicitationField { ElicitationField(name: "f", kind: .string, format: format) }

    static let cases: [Case] = [
        Case(field: reason, text: "  ship it  ", expected: .success(.string("ship it"))),
        Case(field: reason, text: "no", expected: .failure(ElicitationInvalid("must be at least 3 characters"))),
        Case(field: reason, text: "far too long here", expected: .failure(ElicitationInvalid("must be at most 10 characters"))),
        Case(field: reason, text: "äöü", expected: .success(.string("äöü"))),
        Case(field: slug, text: "my-repo2", expected: .success(.string("my-repo2"))),
        Case(field: slug, text: "My Repo", expected: .failure(ElicitationInvalid("must match the pattern ^[a-z][a-z0-9-]*$"))),
        Case(field: env, text: "prod", expected: .success(.string("prod"))),
        Case(field: env, text: "Production", expected: .success(.string("prod"))),
        Case(field: env, text: "STAGING", expected: .success(.string("staging"))),
        Case(field: env, text: "moon", expected: .failure(ElicitationInvalid("must be one of: staging, prod"))),
        Case(field: count, text: "3", expected: .success(.integer(3))),
        Case(field: count, text: "0", expected: .failure(ElicitationInvalid("must be at least 1"))),
        Case(field: count, text: "6", expected: .failure(ElicitationInvalid("must be at most 5"))),
        Case(field: count, text: "2.5", expected: .failure(ElicitationInvalid("must be a whole number"))),
        Case(field: ratio, text: "0.25", expected: .success(.number(0.25))),
        Case(field: ratio, text: "1.5", expected: .failure(ElicitationInvalid("must be at most 1"))),
        Case(field: ratio, text: "nan", expected: .failure(ElicitationInvalid("must be a number"))),
        Case(field: ratio, text: "half", expected: .failure(ElicitationInvalid("must be a number"))),
        Case(field: flag, text: "Yes", expected: .success(.boolean(true))),
        Case(field: flag, text: "off", expected: .success(.boolean(false))),
        Case(field: flag, text: "maybe", expected: .failure(ElicitationInvalid("must be yes or no"))),
        Case(field: tags, text: "a, c", expected: .success(.strings(["a", "c"]))),
        Case(field: tags, text: "a,a", expected: .success(.strings(["a"]))),
        Case(field: tags, text: "a,b,c", expected: .failure(ElicitationInvalid("pick at most 2"))),
        Case(field: tags, text: "", expected: .failure(ElicitationInvalid("pick at least 1"))),
        Case(field: tags, text: "a,z", expected: .failure(ElicitationInvalid("\"z\" is not one of: a, b, c"))),
        Case(field: format("email"), text: "dev@example.com", expected: .success(.string("dev@example.com"))),
        Case(field: format("email"), text: "dev@example", expected: .failure(ElicitationInvalid("must be an email address"))),
        Case(field: format("uri"), text: "https://example.com/x", expected: .success(.string("https://example.com/x"))),
        Case(field: format("uri"), text: "example.com", expected: .failure(ElicitationInvalid("must be a URI (like https://example.com)"))),
        Case(field: format("date"), text: "2024-02-29", expected: .success(.string("2024-02-29"))),
        Case(field: format("date"), text: "2023-02-29", expected: .failure(ElicitationInvalid("must be a date (YYYY-MM-DD)"))),
        Case(field: format("date"), text: "2024-13-01", expected: .failure(ElicitationInvalid("must be a date (YYYY-MM-DD)"))),
        Case(field: format("date-time"), text: "2026-01-31T14:30:00Z", expected: .success(.string("2026-01-31T14:30:00Z"))),
        Case(field: format("date-time"), text: "2026-01-31T14:30:00.5+01:00", expected: .success(.string("2026-01-31T14:30:00.5+01:00"))),
        Case(field: format("date-time"), text: "2026-01-31 14:30", expected: .failure(ElicitationInvalid("must be a date and time (like 2026-01-31T14:30:00Z)"))),
        Case(field: format("date-time"), text: "2026-01-31T25:00:00Z", expected: .failure(ElicitationInvalid("must be a date and time (like 2026-01-31T14:30:00Z)"))),
    ]

    @Test(arguments: cases)
    func parse(_ c: Case) {
        #expect(c.field.parse(c.text) == c.expected)
    }

    @Test("check refuses a value of another type, and a value outside the choices")
    func checkTypes() {
        #expect(Self.count.check(.string("3")) == ElicitationInvalid("must be a whole number"))
        #expect(Self.flag.check(.integer(1)) == ElicitationInvalid("must be yes or no"))
        #expect(Self.ratio.check(.integer(1)) == nil, "an integer is a number")
        #expect(Self.env.check(.string("Production")) == ElicitationInvalid("must be one of: staging, prod"), "check takes values, not titles")
        #expect(Self.tags.check(.strings(["b"])) == nil)
    }

    @Test("the display of values: whole numbers without a fraction, yes/no, lists")
    func display() {
        #expect(ElicitationValue.number(2).description == "2")
        #expect(ElicitationValue.number(0.5).description == "0.5")
        #expect(ElicitationValue.boolean(false).description == "no")
        #expect(ElicitationValue.strings(["a", "b"]).description == "a, b")
    }
}
