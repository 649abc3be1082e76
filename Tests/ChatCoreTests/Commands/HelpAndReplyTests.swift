import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Testing

@Suite struct HelpAndReplyTests {
    @Test func helpListsEveryCommandWithItsPolicy() {
        let help = CommandHelp.text()
        #expect(help.hasPrefix("OK: "))
        for command in CommandName.allCases {
            #expect(help.contains("\(command.usage) — \(command.summary) (\(command.policy.rawValue))"))
        }
        #expect(!help.contains("[guarded]"))
    }

    @Test func helpMarksGuardedCommandsWhenASecretIsSet() {
        let lines = CommandHelp.text(guardedBySecret: true).split(separator: "\n")
        for command in CommandName.allCases {
            let line = lines.first { $0.hasPrefix(command.usage + " — ") }
            #expect(line?.hasSuffix("[guarded]") == command.isGuarded, "\(command)")
        }
    }

    @Test func policiesAndGuardsMatchTheContract() {
        let owner: Set<CommandName> = [.doctor, .approve, .deny, .logs, .run]
        let bound: Set<CommandName> = [.cancel, .steer, .status, .new, .reset]
        // Permission answers: allowlist or the binding's approvers (issue 11, CONTRACT.md §4 amended).
        let approver: Set<CommandName> = Set<CommandName>([.allow, .reject])
            .union([.answer, .decline])  // answers to elicitations (issue 15)
        // Classes (CONTRACT.md §4): guarded and dangerous commands need the secret; sessions is safe (read-only);
        // the per-session overrides are guarded (approve-all lets the agent act unasked).
        let guarded: Set<CommandName> = [.spawn, .bind, .unbind, .close, .send, .doctor, .approve, .deny, .logs, .run, .permissions, .timeout]
        // The agent's modes and options act on the session bound here (issue 15); the overrides are allowlist.
        let agentOptions: Set<CommandName> = [.mode, .set, .model, .options, .resetOptions, .commands]
        for command in CommandName.allCases {
            let expected: CommandPolicy = owner.contains(command) ? .owner
                : bound.contains(command) || agentOptions.contains(command) ? .bound
                : approver.contains(command) ? .approver : .allowlist
            #expect(command.policy == expected, "\(command)")
            #expect(command.isGuarded == guarded.contains(command), "\(command)")
        }
    }

    @Test func replies() {
        #expect(ChatReply.ok("bound") == "OK: bound")
        #expect(ChatReply.error("nothing here") == "ERROR: nothing here")
        #expect(ChatReply.unauthorized == "ERROR: unauthorized")
        #expect(ChatReply.rateLimited == "ERROR: rate limited (try again later)")
        #expect(ChatReply.error(ACPError(.notBound)) ==
            "ERROR: ACP_NOT_BOUND: this conversation is not bound to a session\nnext: bind this conversation with /acp spawn --bind here or /acp bind <session>")
        #expect(ChatReply.locked.hasPrefix("ERROR: "))
    }
}
