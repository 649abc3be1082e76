import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Testing

/// The access matrix of CONTRACT.md §4.
@Suite struct AccessEvaluatorTests {
    static let owner = SenderRef(channel: .telegram, id: "111")
    static let member = SenderRef(channel: .telegram, id: "333")
    static let stranger = SenderRef(channel: .telegram, id: "999")
    static let console = SenderRef(channel: .console, id: "local")
    /// Same id as the owner on another channel: a different sender.
    static let ownerIdElsewhere = SenderRef(channel: .discord, id: "111")

    static func config(_ mode: AccessConfig.UnknownSenders) -> AccessConfig {
        AccessConfig(owners: [owner], allowFrom: [member], unknownSenders: mode, secret: nil, authTTLSeconds: 600,
                     rateLimit: .init(perMinute: 10, burst: 3))
    }

    static let conversations: [ConversationAccess] = [
        .none, .runtime, .configACP(.allowlist), .configACP(.members), .route(.allowlist), .route(.members),
    ]
    static let actions: [AccessAction] = [.prompt, .command(.doctor), .command(.spawn), .command(.cancel), .command(.allow)]

    /// The contract, written as a table of who needs what.
    static func expected(rank: String, pairing: PairingStatus, mode: AccessConfig.UnknownSenders,
                         action: AccessAction, conversation: ConversationAccess,
                         namesSession: Bool = false, sendsPrompt: Bool = false) -> AccessDecision {
        var effective = rank == "unknown" && (mode == .public || pairing == .approved) ? "allowlist" : rank
        if effective == "unknown", pairing == .approvedMember { effective = "member" }
        let isOwner = effective == "owner"
        let isAllowlisted = isOwner || effective == "allowlist"
        // A sender approved as `member` prompts and uses `bound` commands on this conversation's session.
        let isMember = effective == "member"
        let members = conversation == .configACP(.members) || conversation == .route(.members)
        let allowed = switch action {
        case .prompt: isAllowlisted || isMember || members
        case .command(let name) where name.policy == .owner: isOwner
        case .command(let name) where name.policy == .allowlist: isAllowlisted
        // approver (issue 11, CONTRACT.md §4 amended): the allowlist (or the binding's approvers,
        // none here), never mere membership.
        case .command(let name) where name.policy == .approver: isAllowlisted
        // bound: beyond the allowlist, only a config acp binding with `access: members` admits, for
        // its own session (under `access: allowlist` a stranger may do nothing at all).
        default: isAllowlisted || ((isMember || conversation == .configACP(.members)) && !namesSession)
        }
        if allowed { return .allow }
        if effective != "unknown" { return .deny }
        // A member refused an answer to the agent's request is told so.
        if case .command(let name) = action, name.policy == .approver, members { return .deny }
        return mode == .requestApproval && pairing == .none ? .requestApproval : .ignore
    }

    @Test(arguments: AccessConfig.UnknownSenders.allCases)
    func fullMatrix(_ mode: AccessConfig.UnknownSenders) {
        let evaluator = AccessEvaluator(Self.config(mode))
        let senders: [(SenderRef, String)] = [
            (Self.console, "owner"), (Self.owner, "owner"), (Self.member, "allowlist"),
            (Self.stranger, "unknown"), (Self.ownerIdElsewhere, "unknown"),
        ]
        var checked = 0
        for (sender, rank) in senders {
            for pairing in PairingStatus.allCases {
                for action in Self.actions {
                    for conversation in Self.conversations {
                        for (namesSession, sendsPrompt) in [(false, false), (true, false), (false, true)] {
                            let request = AccessRequest(sender: sender, action: action, conversation: conversation, pairing: pairing,
                                                        namesSession: namesSession, sendsPrompt: sendsPrompt)
                            let want = Self.expected(rank: rank, pairing: pairing, mode: mode, action: action, conversation: conversation,
                                                     namesSession: namesSession, sendsPrompt: sendsPrompt)
                            #expect(evaluator.evaluate(request) == want,
                                    "\(sender) \(pairing) \(action) \(conversation) names \(namesSession) prompts \(sendsPrompt)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked == 5 * PairingStatus.allCases.count * 5 * 6 * 3)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var mode: AccessConfig.UnknownSenders
        var sender: SenderRef
        var action: AccessAction
        var conversation: ConversationAccess
        var pairing: PairingStatus = .none
        var decision: AccessDecision
        var testDescription: String { "\(mode) \(sender) \(action) \(conversation) \(pairing) → \(decision)" }
    }

    /// The cases the contract spells out, written by hand.
    @Test(arguments: [
        Row(mode: .strict, sender: owner, action: .command(.doctor), conversation: .none, decision: .allow),
        Row(mode: .strict, sender: console, action: .command(.approve), conversation: .none, decision: .allow),
        Row(mode: .strict, sender: member, action: .command(.doctor), conversation: .none, decision: .deny),
        Row(mode: .strict, sender: member, action: .command(.spawn), conversation: .none, decision: .allow),
        Row(mode: .strict, sender: member, action: .prompt, conversation: .runtime, decision: .allow),
        Row(mode: .strict, sender: stranger, action: .prompt, conversation: .runtime, decision: .ignore),
        Row(mode: .strict, sender: stranger, action: .prompt, conversation: .configACP(.allowlist), decision: .ignore),
        Row(mode: .strict, sender: stranger, action: .prompt, conversation: .configACP(.members), decision: .allow),
        Row(mode: .strict, sender: stranger, action: .prompt, conversation: .route(.members), decision: .allow),
        // `bound`: a config acp binding with `access: members` admits its members; under `access:
        // allowlist` a stranger may do nothing; a runtime or route binding never widens access.
        Row(mode: .strict, sender: stranger, action: .command(.cancel), conversation: .configACP(.members), decision: .allow),
        Row(mode: .strict, sender: stranger, action: .command(.cancel), conversation: .configACP(.allowlist), decision: .ignore),
        Row(mode: .strict, sender: stranger, action: .command(.status), conversation: .configACP(.allowlist), decision: .ignore),
        Row(mode: .strict, sender: stranger, action: .command(.new), conversation: .configACP(.allowlist), decision: .ignore),
        // Permission answers: the allowlist, never mere membership (a member is told no).
        Row(mode: .strict, sender: stranger, action: .command(.allow), conversation: .configACP(.allowlist), decision: .ignore),
        Row(mode: .strict, sender: stranger, action: .command(.allow), conversation: .configACP(.members), decision: .deny),
        Row(mode: .strict, sender: stranger, action: .command(.reject), conversation: .route(.members), decision: .deny),
        Row(mode: .strict, sender: member, action: .command(.allow), conversation: .configACP(.allowlist), decision: .allow),
        Row(mode: .strict, sender: stranger, action: .command(.status), conversation: .runtime, decision: .ignore),
        Row(mode: .strict, sender: stranger, action: .command(.reset), conversation: .route(.members), decision: .ignore),
        Row(mode: .strict, sender: stranger, action: .command(.spawn), conversation: .configACP(.members), decision: .ignore),
        Row(mode: .requestApproval, sender: stranger, action: .prompt, conversation: .none, decision: .requestApproval),
        Row(mode: .requestApproval, sender: stranger, action: .prompt, conversation: .none, pairing: .pending, decision: .ignore),
        Row(mode: .requestApproval, sender: stranger, action: .prompt, conversation: .none, pairing: .denied, decision: .ignore),
        Row(mode: .requestApproval, sender: stranger, action: .prompt, conversation: .runtime, pairing: .approved, decision: .allow),
        Row(mode: .requestApproval, sender: stranger, action: .command(.doctor), conversation: .none, pairing: .approved, decision: .deny),
        // Approved as `member`: prompts and `bound` commands under `access: allowlist` too; no
        // allowlist or owner command, never a permission answer (told no, not ignored).
        Row(mode: .requestApproval, sender: stranger, action: .prompt, conversation: .configACP(.allowlist), pairing: .approvedMember, decision: .allow),
        Row(mode: .strict, sender: stranger, action: .prompt, conversation: .runtime, pairing: .approvedMember, decision: .allow),
        Row(mode: .requestApproval, sender: stranger, action: .command(.cancel), conversation: .runtime, pairing: .approvedMember, decision: .allow),
        Row(mode: .requestApproval, sender: stranger, action: .command(.spawn), conversation: .none, pairing: .approvedMember, decision: .deny),
        Row(mode: .requestApproval, sender: stranger, action: .command(.allow), conversation: .configACP(.allowlist), pairing: .approvedMember, decision: .deny),
        Row(mode: .requestApproval, sender: stranger, action: .command(.approve), conversation: .none, pairing: .approvedMember, decision: .deny),
        Row(mode: .public, sender: stranger, action: .command(.spawn), conversation: .none, decision: .allow),
        Row(mode: .public, sender: stranger, action: .command(.approve), conversation: .none, decision: .deny),
    ])
    func contractRows(_ row: Row) {
        let request = AccessRequest(sender: row.sender, action: row.action, conversation: row.conversation, pairing: row.pairing)
        #expect(AccessEvaluator(Self.config(row.mode)).evaluate(request) == row.decision)
    }

    @Test func namedTargetsOfBoundCommands() {
        let evaluator = AccessEvaluator(Self.config(.strict))
        func decide(_ sender: SenderRef, _ text: String) -> AccessDecision {
            let input = CommandParser.parse(text)
            return evaluator.evaluate(AccessRequest(sender: sender, action: AccessAction(input)!, conversation: .configACP(.members),
                                                    namesSession: input.namesSession))
        }
        #expect(decide(Self.stranger, "/acp status") == .allow)
        #expect(decide(Self.stranger, "/acp status agent:demo:acp:x") == .ignore)
        #expect(decide(Self.stranger, "/acp cancel my-label") == .ignore)
        #expect(decide(Self.member, "/acp cancel my-label") == .allow)
        #expect(CommandParser.parse("/acp close k").namesSession)
        #expect(!CommandParser.parse("/acp steer k").namesSession)
        #expect(!CommandParser.parse("/acp status").namesSession)
    }

    @Test func repliesOfDecisions() {
        #expect(AccessDecision.deny.reply == "ERROR: unauthorized")
        #expect(AccessDecision.allow.reply == nil)
        #expect(AccessDecision.ignore.reply == nil)
        #expect(AccessDecision.requestApproval.reply == nil)
    }

    @Test func actionsOfInputs() {
        #expect(AccessAction(CommandParser.parse("hi")) == .prompt)
        #expect(AccessAction(CommandParser.parse("/acp doctor")) == .command(.doctor))
        #expect(AccessAction(CommandParser.parse("/acp spawn --bogus")) == .command(.spawn))
        #expect(AccessAction(CommandParser.parse("/acp@Other x", botUsername: "Me")) == nil)
        #expect(AccessEvaluator(Self.config(.strict)).isOwner(Self.console))
        #expect(!AccessEvaluator(Self.config(.public)).isOwner(Self.member))
    }

    @Test func conversationAccessFromAResolution() throws {
        let yaml = """
            agents:
              demo: { command: [demo], cwd: /srv/demo }
            bindings:
              - { type: acp, agentId: demo, match: { channel: telegram, peer: { id: "-100111" } }, access: members }
              - { type: route, agentId: demo, match: { channel: discord } }
            """
        let config = try ConfigLoader.parse(yaml, baseDirectory: "/etc/acpd", environment: [:])
        let index = BindingIndex(config: config)
        let acp = BindingResolver.match(ConversationRef(channel: .telegram, conversationId: "-100111"), runtime: nil, index: index)
        #expect(ConversationAccess(acp) == .configACP(.members))
        let route = BindingResolver.match(ConversationRef(channel: .discord, conversationId: "5"), runtime: nil, index: index)
        #expect(ConversationAccess(route) == .route(.allowlist))
        let here = ConversationRef(channel: .telegram, conversationId: "-100111")
        let runtime = RuntimeBinding(conversation: here, sessionKey: try SessionKey.parse("agent:demo:acp:1"), persist: false,
                                     createdAt: Date(), lastActivityAt: Date())
        #expect(ConversationAccess(BindingResolver.match(here, runtime: runtime, index: index)) == .runtime)
        #expect(ConversationAccess(Resolution.unbound) == .none)
    }

    @Test("a binding's approvers may answer permission requests, and nothing more")
    func approvers() {
        let evaluator = AccessEvaluator(Self.config(.strict))
        let approver = SenderRef(channel: .telegram, id: "444")
        func decide(_ sender: SenderRef, _ action: AccessAction, in conversation: ConversationAccess) -> AccessDecision {
            evaluator.evaluate(AccessRequest(sender: sender, action: action, conversation: conversation, approvers: [approver]))
        }
        for conversation in [ConversationAccess.configACP(.allowlist), .configACP(.members), .route(.allowlist)] {
            #expect(decide(approver, .command(.allow), in: conversation) == .allow)
            #expect(decide(approver, .command(.reject), in: conversation) == .allow)
            #expect(decide(Self.stranger, .command(.allow), in: conversation) != .allow)
        }
        // Approving is all the key grants: no prompts, no session commands under `allowlist`.
        #expect(decide(approver, .prompt, in: .configACP(.allowlist)) == .ignore)
        #expect(decide(approver, .command(.status), in: .configACP(.allowlist)) == .ignore)
        #expect(decide(approver, .command(.spawn), in: .configACP(.members)) == .ignore)
    }
}
