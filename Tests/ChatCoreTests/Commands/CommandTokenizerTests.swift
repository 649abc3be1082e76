import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Testing

@Suite struct CommandTokenizerTests {
    struct HeadCase: Sendable, CustomTestStringConvertible {
        var text: String
        var name: String?
        var bot: String?
        var rest: String
        var testDescription: String { text.debugDescription }
    }

    @Test(arguments: [
        HeadCase(text: "/acp spawn demo", name: "acp", bot: nil, rest: "spawn demo"),
        HeadCase(text: "  /ACP   status", name: "acp", bot: nil, rest: "status"),
        HeadCase(text: "/acp@AcpdBot sessions", name: "acp", bot: "AcpdBot", rest: "sessions"),
        HeadCase(text: "/new\nfirst line\n  second  ", name: "new", bot: nil, rest: "first line\n  second  "),
        HeadCase(text: "/lock", name: "lock", bot: nil, rest: ""),
        HeadCase(text: "hello /acp", name: nil, bot: nil, rest: ""),
        HeadCase(text: "/ not a command", name: nil, bot: nil, rest: ""),
        HeadCase(text: "/123", name: nil, bot: nil, rest: ""),
        HeadCase(text: "", name: nil, bot: nil, rest: ""),
    ])
    func head(_ c: HeadCase) {
        let head = CommandTokenizer.head(c.text)
        #expect(head?.name == c.name)
        if c.name != nil {
            #expect(head?.botName == c.bot)
            #expect(head.map { String($0.rest) } == c.rest)
        }
    }

    struct TokenCase: Sendable, CustomTestStringConvertible {
        var text: String
        var tokens: [CommandToken]
        var testDescription: String { text.debugDescription }
    }

    @Test(arguments: [
        TokenCase(text: "", tokens: []),
        TokenCase(text: "demo", tokens: [.word("demo")]),
        TokenCase(text: "  demo \t codex\n", tokens: [.word("demo"), .word("codex")]),
        TokenCase(text: "--mode oneshot", tokens: [.flag("mode", value: nil), .word("oneshot")]),
        TokenCase(text: "--mode=oneshot", tokens: [.flag("mode", value: "oneshot")]),
        TokenCase(text: "--persist", tokens: [.flag("persist", value: nil)]),
        TokenCase(text: "--MODE=OneShot", tokens: [.flag("mode", value: "OneShot")]),
        TokenCase(text: "\u{2014}mode oneshot", tokens: [.flag("mode", value: nil), .word("oneshot")]),
        TokenCase(text: "\u{2013}bind here", tokens: [.flag("bind", value: nil), .word("here")]),
        TokenCase(text: "\u{2212}label=x", tokens: [.flag("label", value: "x")]),
        TokenCase(text: "-x", tokens: [.word("-x")]),
        TokenCase(text: "--label \"my label\"", tokens: [.flag("label", value: nil), .word("my label")]),
        TokenCase(text: "--label=\"a b\" c", tokens: [.flag("label", value: "a b"), .word("c")]),
        TokenCase(text: "--cwd \u{201C}/srv/my repo\u{201D}", tokens: [.flag("cwd", value: nil), .word("/srv/my repo")]),
        TokenCase(text: #""say \"hi\" \\ ok""#, tokens: [.word(#"say "hi" \ ok"#)]),
        TokenCase(text: "ab\"c d\"e", tokens: [.word("abc de")]),
        TokenCase(text: "\"--not-a-flag\"", tokens: [.word("--not-a-flag")]),
        TokenCase(text: "--label=", tokens: [.flag("label", value: "")]),
        TokenCase(text: "--label==x", tokens: [.flag("label", value: "=x")]),
    ])
    func tokens(_ c: TokenCase) throws {
        #expect(try CommandTokenizer.tokens(Substring(c.text)) == c.tokens)
    }

    @Test(arguments: ["\"unterminated", "--label \"a b", "--", "---x", "--=x", "\u{2014}", "\u{2014}-x"])
    func badTokens(_ text: String) {
        #expect(throws: ACPError.self) { try CommandTokenizer.tokens(Substring(text)) }
        do {
            _ = try CommandTokenizer.tokens(Substring(text))
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }

    @Test func firstWordKeepsTheRestVerbatim() throws {
        let (word, rest) = try #require(CommandTokenizer.firstWord("  steer  line one\n\n  line two  "))
        #expect(word == "steer")
        #expect(rest == "line one\n\n  line two  ")
        #expect(CommandTokenizer.firstWord(" \n ") == nil)
    }
}
