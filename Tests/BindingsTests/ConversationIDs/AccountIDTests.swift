import ACPControlPlane
@testable import Bindings
import Testing

/// Issue 11, finding 9: account ids are checked wherever they enter, with one rule and one message
/// (`AccountID`): config keys and values, the http API, canonical conversation strings.
@Suite struct AccountIDTests {
    static let valid = ["default", "a", "A9", "team-2_b", "0", String(repeating: "z", count: 64)]
    static let invalid = ["", "*", "../x", "..", ".", "a/b", "a:b", "a.b", "-lead", "_lead", "white space", "tab\t", "ünicode",
                          "e\u{301}", "a\nb", String(repeating: "a", count: 65), String(repeating: "x", count: 5000)]

    @Test func theRuleAcceptsExactlyTheDocumentedForm() {
        for text in Self.valid { #expect(AccountID.isValid(text), "\(text)") }
        for text in Self.invalid { #expect(!AccountID.isValid(text), "\(text.prefix(20))") }
    }

    @Test(arguments: invalid)
    func everyParserRefusesABadAccount(_ account: String) {
        var parsers: [(String, () throws(ACPError) -> ConversationRef)] = [
            ("http", { () throws(ACPError) in try ConversationIDs.parse("room1", channel: .http, accountId: account) }),
            ("console", { () throws(ACPError) in try ConversationIDs.parse("room1", channel: .console, accountId: account) }),
            ("telegram", { () throws(ACPError) in try ConversationIDs.parse("-1001234567890:topic:42", channel: .telegram, accountId: account) }),
            ("discord", { () throws(ACPError) in try ConversationIDs.parse("222222222222222222", channel: .discord, accountId: account) }),
            ("opaque", { () throws(ACPError) in try OpaqueConversationID.parse("room1", channel: .http, accountId: account) }),
            ("telegram direct", { () throws(ACPError) in try TelegramConversationID.parse("123", accountId: account) }),
            ("discord direct", { () throws(ACPError) in try DiscordConversationID.parse("222222222222222222", accountId: account) }),
        ]
        // A `:` ends the account in a canonical string (`http:a:b:room1` is account `a`), so
        // only accounts without one can be tried there.
        if !account.contains(":") {
            parsers.append(("canonical", { () throws(ACPError) in try ConversationIDs.parseCanonical("http:\(account):room1") }))
        }
        for (name, parse) in parsers {
            do {
                let ref = try parse()
                Issue.record("\(name) accepted account \(account.prefix(20).debugDescription): \(ref)")
            } catch {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains("expected \(AccountID.expectedForm)"), "\(name): \(error.message)")
                #expect(error.message.count < 300, "\(name): the message does not echo a long id")
            }
        }
    }

    @Test(arguments: valid)
    func aGoodAccountIsKept(_ account: String) throws {
        #expect(try ConversationIDs.parse("room1", channel: .http, accountId: account).accountId == account)
        #expect(try ConversationIDs.parseCanonical("telegram:\(account):-1001234567890:topic:42").accountId == account)
    }

    @Test(arguments: ["", "../x", "a.b", String(repeating: "x", count: 5000)])
    func configRefusesABadAccountInBindingsAndChannels(_ account: String) {
        let quoted = "\"\(account)\""
        let binding = configIssues(minimalConfig(bindings: """
              - agentId: demo
                match: { channel: http, accountId: \(quoted), peer: { id: room1 } }
            """))
        #expect(binding.map(\.path.description) == ["bindings[0].match.accountId"], "\(binding)")
        #expect(binding.first?.message.contains("expected \(AccountID.expectedForm) or *") == true, "\(binding)")
        #expect(binding.first.map { $0.message.count < 400 } == true)

        for channel in ["telegram", "discord"] {
            // An explicit key (`? key`), as YAML's plain keys stop at 1024 characters.
            let declared = configIssues("channels:\n  \(channel):\n    accounts:\n      ? \(quoted)\n      : { botToken: t }\n")
            #expect(declared.count == 1 && declared.first?.path.description.hasPrefix("channels.\(channel).accounts") == true, "\(declared)")
            #expect(declared.first?.message.contains("expected \(AccountID.expectedForm)") == true, "\(declared)")
        }
    }

    @Test func theWildcardIsAMatchNotAnAccount() throws {
        let config = try parseConfig(minimalConfig(bindings: """
              - agentId: demo
                match: { channel: http, accountId: "*" }
            """))
        #expect(config.bindings.first?.accountId == AccountID.wildcard)
        #expect(!configIssues("channels: { telegram: { accounts: { \"*\": { botToken: t } } } }\n").isEmpty)
    }
}
