import ACPControlPlane
@testable import Bindings
import Testing

@Suite struct SessionKeysTests {
    @Test func hash16IsTheFirst16HexOfSHA256() {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        #expect(SessionKeys.hash16("abc") == "ba7816bf8f01cfea")
        #expect(SessionKeys.hash16("") == "e3b0c44298fc1c14")
    }

    @Test func keysFollowTheContractAndAreDeterministic() throws {
        let topic = try TelegramConversationID.parse("-1001234567890:topic:42")
        let key = try SessionKeys.configBinding(agentId: "demo", conversation: topic)
        #expect(key.rawValue == "agent:demo:acp:binding:telegram:default:\(SessionKeys.hash16("telegram:default:-1001234567890:topic:42"))")
        #expect(key == (try SessionKeys.configBinding(agentId: "demo", conversation: topic)))
        #expect(key.agentId == "demo")
        let route = try SessionKeys.route(agentId: "codex", conversation: try DiscordConversationID.parse("222", accountId: "alt"))
        #expect(route.rawValue == "agent:codex:acp:route:discord:alt:\(SessionKeys.hash16("discord:alt:222"))")
    }

    @Test func aRestartFindsTheSameSession() throws {
        let yaml = minimalConfig(bindings: """
              - type: acp
                agentId: demo
                match: { channel: telegram, peer: { id: "-1001234567890:topic:42" } }
            """)
        let first = BindingIndex(config: try parseConfig(yaml)).acpEntries.map(\.sessionKey)
        let second = BindingIndex(config: try parseConfig(yaml)).acpEntries.map(\.sessionKey)
        #expect(first == second && first.count == 1)
    }
}
