import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Testing

@Suite struct InboundGateTests {
    static let owner = SenderRef(channel: .telegram, id: "111")
    static let member = SenderRef(channel: .telegram, id: "333")
    static let stranger = SenderRef(channel: .telegram, id: "999")
    static let console = SenderRef(channel: .console, id: "tty")
    static let t0 = Date(timeIntervalSince1970: 2_000_000)

    static func gate(secret: String? = nil, mode: AccessConfig.UnknownSenders = .strict, burst: Int = 3) -> InboundGate {
        InboundGate(AccessConfig(owners: [owner], allowFrom: [member], unknownSenders: mode, secret: secret.map(Secret.init),
                                 authTTLSeconds: 60, rateLimit: .init(perMinute: 6, burst: burst)))
    }

    /// Sends `text` through `gate` at t0 + `at` seconds.
    static func send(_ gate: inout InboundGate, _ text: String, from sender: SenderRef, in conversation: ConversationAccess = .runtime,
                     pairing: PairingStatus = .none, at: Double = 0) -> InboundGate.Verdict {
        gate.check(CommandParser.parse(text, botUsername: "AcpdBot"), sender: sender, conversation: conversation,
                   pairing: pairing, now: t0.addingTimeInterval(at))
    }

    @Test func accessDecisionsBecomeVerdicts() {
        var gate = Self.gate(mode: .requestApproval)
        let verdicts = [
            Self.send(&gate, "hello", from: Self.member),
            Self.send(&gate, "/acp doctor", from: Self.member),
            Self.send(&gate, "hello", from: Self.stranger),
            Self.send(&gate, "hello", from: Self.stranger, pairing: .pending),
            Self.send(&gate, "/acp@OtherBot doctor", from: Self.owner),
            Self.send(&gate, "/acp spawn --bogus", from: Self.stranger, pairing: .pending),
        ]
        #expect(verdicts == [.proceed, .reply("ERROR: unauthorized"), .requestApproval, .ignore, .ignore, .ignore])
    }

    /// A config `acp` binding admits its conversation's senders to bound commands on that
    /// conversation's session only: naming another session by key or label needs allowlist, and so
    /// does sending the agent text through a command (the binding's `access: allowlist`).
    @Test(arguments: [
        // Under `access: allowlist` a stranger may do nothing at all (issue 11, CONTRACT.md §4).
        ("/acp status", AccessConfig.UnknownSenders.strict, InboundGate.Verdict.ignore),
        ("/acp cancel", .strict, .ignore),
        ("/acp allow 1", .strict, .ignore),
        ("/acp reject 1", .requestApproval, .requestApproval),
        ("/acp status agent:demo:acp:other", .strict, .ignore),
        ("/acp cancel some-label", .strict, .ignore),
        ("/acp close agent:demo:acp:other", .strict, .ignore),
        ("/acp status agent:demo:acp:other", .requestApproval, .requestApproval),
        ("/acp status agent:demo:acp:other", .public, .proceed),
        // Commands that send the agent text need what a plain message needs.
        ("/acp steer do this", .strict, .ignore),
        ("/new do this", .strict, .ignore),
        ("/reset do this", .requestApproval, .requestApproval),
        ("/new", .strict, .ignore),
        ("/reset   ", .strict, .ignore),
        ("hello", .strict, .ignore),
    ])
    func boundCommandsNamingAnotherSessionNeedAllowlist(_ text: String, _ mode: AccessConfig.UnknownSenders,
                                                        _ verdict: InboundGate.Verdict) {
        var gate = Self.gate(mode: mode)
        #expect(Self.send(&gate, text, from: Self.stranger, in: .configACP(.allowlist)) == verdict)
        var forMember = Self.gate(mode: mode)
        #expect(Self.send(&forMember, text, from: Self.member, in: .configACP(.allowlist)) == .proceed)
    }

    /// Under `access: members` anyone may prompt, so anyone may steer or start over with a prompt.
    @Test(arguments: ["/acp steer do this", "/new do this", "/reset do this", "hello"])
    func membersBindingsAdmitPromptsByCommand(_ text: String) {
        var gate = Self.gate()
        #expect(Self.send(&gate, text, from: Self.stranger, in: .configACP(.members)) == .proceed)
        var routed = Self.gate()
        let routeVerdict = Self.send(&routed, text, from: Self.stranger, in: .route(.members))
        // Route bindings are never `bound`: only the plain message passes there.
        #expect(routeVerdict == (text == "hello" ? .proceed : .ignore))
    }

    @Test func invalidArgumentsAreAnsweredOnlyToAuthorisedSenders() {
        var gate = Self.gate()
        let verdict = Self.send(&gate, "/acp spawn --bind here --thread auto", from: Self.member)
        guard case .reply(let text) = verdict else {
            Issue.record("expected a reply, got \(verdict)")
            return
        }
        #expect(text.hasPrefix("ERROR: ACP_INVALID_ARGUMENT: /acp spawn: --bind and --thread cannot be used together\nnext: usage: /acp spawn"))
        #expect(Self.send(&gate, "/acp spawn --bind here --thread auto", from: Self.stranger) == .ignore)
    }

    @Test func rateLimitAfterAccessAndNotForTheConsole() {
        var gate = Self.gate(burst: 2)
        let verdicts = (0..<3).map { _ in Self.send(&gate, "hi", from: Self.member) }
        #expect(verdicts == [.proceed, .proceed, .rateLimited])
        #expect(Self.send(&gate, "hi", from: Self.member, at: 10) == .proceed, "refilled after 10 s at 6/min")
        // Ignored strangers use no tokens and get no reply.
        let strangers = (0..<5).map { _ in Self.send(&gate, "hi", from: Self.stranger) }
        #expect(strangers == Array(repeating: .ignore, count: 5))
        let console = (0..<10).map { _ in Self.send(&gate, "/acp doctor", from: Self.console) }
        #expect(console == Array(repeating: .proceed, count: 10))
    }

    @Test func guardedCommandsAuthAndLock() {
        var gate = Self.gate(secret: "open sesame", burst: 100)
        let steps: [(String, SenderRef, Double, InboundGate.Verdict)] = [
            ("/acp spawn demo", Self.member, 0, .reply("ERROR: locked (send /auth <secret> first)")),
            ("/acp status", Self.member, 0, .proceed),
            ("/auth wrong", Self.member, 1, .reply("ERROR: unauthorized")),
            ("/auth open sesame", Self.member, 2, .reply("OK: unlocked for 60 seconds")),
            ("/acp spawn demo", Self.member, 3, .proceed),
            ("/acp doctor", Self.owner, 3, .reply("ERROR: locked (send /auth <secret> first)")),
            ("/acp doctor", Self.console, 3, .proceed),
            ("/lock", Self.member, 4, .reply("OK: locked")),
            ("/acp close", Self.member, 5, .reply("ERROR: locked (send /auth <secret> first)")),
            ("/auth open sesame", Self.member, 6, .reply("OK: unlocked for 60 seconds")),
            ("/acp close", Self.member, 65, .proceed),
            ("/acp close", Self.member, 66, .reply("ERROR: locked (send /auth <secret> first)")),
            ("/auth open sesame", Self.stranger, 66, .ignore),
        ]
        for (text, sender, at, expected) in steps {
            #expect(Self.send(&gate, text, from: sender, at: at) == expected, "\(text) by \(sender) at \(at)")
        }
    }

    @Test func helpIsAnsweredByTheGate() {
        var plain = Self.gate()
        #expect(Self.send(&plain, "/acp", from: Self.member) == .reply(CommandHelp.text()))
        var guarded = Self.gate(secret: "x1234")
        #expect(Self.send(&guarded, "/acp help", from: Self.member) == .reply(CommandHelp.text(guardedBySecret: true)))
    }
}
