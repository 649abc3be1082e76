import ACPControlPlane
import ChatCore
import ChatDiscord
import DiscordFake
import JSONKit
import Testing

@Suite("discord application commands", .serialized)
struct DiscordCommandsTests {
    @Test("the definitions mirror ChatCore's commands: /acp with one subcommand per /acp command, /new and /reset")
    func definitions() {
        guard case .array(let commands) = ApplicationCommands.definitions() else { Issue.record("not an array"); return }
        #expect(commands.compactMap { $0["name"]?.stringValue } == ["acp", "new", "reset"])
        guard case .array(let top)? = commands.first?["options"] else { Issue.record("no subcommands"); return }
        #expect(top.count <= 25, "Discord allows 25 options under /acp: \(top.count)")
        // Every /acp command is registered exactly once: a subcommand of /acp, or of one group.
        var subs: [JSONValue] = []
        for option in top {
            if option["type"] == 2, case .array(let inner)? = option["options"] { subs += inner } else { subs.append(option) }
        }
        let registered = subs.compactMap { $0["name"]?.stringValue }
        #expect(registered.sorted() == CommandName.allCases.filter { !$0.isTopLevel }.map(\.rawValue).sorted())
        #expect(Set(registered).count == registered.count)
        #expect(top.contains { $0["type"] == 2 && $0["name"] == "agent" }, "the agent controls are a group")
        let spawn = subs.first { $0["name"] == "spawn" }
        guard case .array(let spawnOptions)? = spawn?["options"] else { Issue.record("spawn has no options"); return }
        #expect(spawnOptions.compactMap { $0["name"]?.stringValue } == ["agent", "mode", "bind", "thread", "cwd", "label"])
        let thread = spawnOptions.first { $0["name"] == "thread" }
        #expect(thread?["choices"] == [["name": "auto", "value": "auto"], ["name": "here", "value": "here"], ["name": "off", "value": "off"]])
        guard case .array(let bindOptions)? = subs.first(where: { $0["name"] == "bind" })?["options"] else { Issue.record("bind has no options"); return }
        #expect(bindOptions.first?["name"] == "session-key" && bindOptions.first?["required"] == true)
        #expect(bindOptions.last?["name"] == "persist" && bindOptions.last?["type"] == 5, "a switch is a boolean option")
        #expect(subs.first { $0["name"] == "health" }?["options"] == nil, "a command without arguments has no option")
        // Required options first (Discord's rule): `/acp run`'s command before its --timeout.
        guard case .array(let runOptions)? = subs.first(where: { $0["name"] == "run" })?["options"] else { Issue.record("run has no options"); return }
        #expect(runOptions.compactMap { $0["name"]?.stringValue } == ["command", "timeout"])
    }

    static let invocations: [(JSONValue, String)] = [
        (["name": "acp", "options": [["type": 1, "name": "spawn", "options": [["type": 3, "name": "thread", "value": "auto"], ["type": 3, "name": "agent", "value": "demo"],
                                                                              ["type": 3, "name": "label", "value": "t1"]]]]], "/acp spawn demo --thread auto --label t1"),
        (["name": "acp", "options": [["type": 1, "name": "bind", "options": [["type": 3, "name": "session-key", "value": "s1"], ["type": 5, "name": "persist", "value": true]]]]],
         "/acp bind s1 --persist"),
        (["name": "acp", "options": [["type": 1, "name": "steer", "options": [["type": 3, "name": "text", "value": "go left"]]]]], "/acp steer go left"),
        (["name": "acp", "options": [["type": 1, "name": "status"]]], "/acp status"),
        (["name": "new", "options": [["type": 3, "name": "text", "value": "start over"]]], "/new start over"),
        (["name": "reset"], "/reset"),
        (["name": "acp", "options": [["type": 1, "name": "auth"]]], "/acp"),
        (["name": "acp", "options": [["type": 2, "name": "agent", "options": [["type": 1, "name": "mode", "options": [["type": 3, "name": "id", "value": "plan"]]]]]]],
         "/acp mode plan"),
        (["name": "acp", "options": [["type": 2, "name": "agent", "options": [["type": 1, "name": "reset-options"]]]]], "/acp reset-options"),
        (["name": "acp", "options": [["type": 2, "name": "agent"]]], "/acp"),
    ]

    @Test("an invocation is the text a user would type", arguments: invocations)
    func text(data: JSONValue, expected: String) {
        #expect(ApplicationCommands.text(of: data) == expected)
    }

    @Test("commands are registered after READY in commandGuilds; an invocation is deferred ephemerally at once, routed as text, and its original response edited with the reply")
    func invocation() async throws {
        try await withFakeDiscord { fake, client in
            let base = discordChannel(fake, client)
            let channel = DiscordChannel(accountId: "default", token: discordToken, rest: base.rest,
                                         options: .init(gateway: .init(backoff: ReconnectBackoff(base: .milliseconds(50), cap: .milliseconds(400))),
                                                        commandGuilds: [fake.state.guildId]))
            try await withRunning(channel, outcome: { $0.senderId == discordUser ? InboundOutcome(accepted: true, reply: "OK: x") : .ignored }) { inbox in
                try await eventually("commands registered") { await fake.state.commands[fake.state.guildId] == ["acp", "new", "reset"] }
                let general = fake.state.generalChannel
                let ok = await fake.state.invokeCommand("acp", subcommand: "status", in: general, by: discordUser)
                let refused = await fake.state.invokeCommand("new", options: ["text": "hi"], in: general, by: "444444444444444444")
                try await eventually("both answered") { await fake.state.interactionAnswers.filter { $0.type == -1 }.count == 2 }
                let answers = await fake.state.interactionAnswers
                #expect(answers.filter { $0.interactionId == ok }.map(\.type) == [5, -1])
                #expect(answers.first { $0.interactionId == ok && $0.type == 5 }?.ephemeral == true)
                #expect(answers.allSatisfy { !$0.refused && $0.after < .seconds(3) }, "\(answers)")
                #expect(answers.first { $0.interactionId == refused && $0.type == -1 }?.content == "Not allowed.")
                #expect(answers.first { $0.interactionId == ok && $0.type == -1 }?.content == "OK: x")
                let texts = Set(inbox.messages.map(\.text))
                #expect(texts == ["/acp status", "/new hi"])
                // The channel shows the reply itself: the router must not post it again.
                let inline = inbox.messages.map(\.repliesInline)
                #expect(inline == [true, true])
                #expect(Set(inbox.messages.map(\.idempotencyKey)) == [ok, refused])
            }
        }
    }
}
