import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Logging
import Testing
import TestSupport

/// Pairing with roles (issue 16): `/acp approve <id> --role member|operator`, the sender told
/// once, the member's limits (no allowlist command, no permission answer), the audit rows, revoke.
struct RouterPairingRolesTests {
    /// Asks for access as `sender` in `routed` and returns the new request's id.
    private func request(_ h: RouterHarness, from sender: String) async throws -> Int64 {
        #expect(await h.send("hello", from: sender) == .ignored)
        return try #require(try h.store.pairingRequests().first { $0.senderId == sender }?.id)
    }

    @Test("a member prompts under access: allowlist, uses bound commands, is refused spawn and an Allow press; audit rows")
    func memberRole() async throws {
        try await RouterHarness.with(unknownSenders: "request_approval") { h in
            let id = try await request(h, from: "bob")
            #expect(await h.send("/acp approve \(id) --role member", from: "alice").reply == ChatReply.unauthorized)
            #expect(await h.send("/acp approve \(id) --role member", from: "owner").reply == "OK: approved http:bob as member")
            #expect(try h.store.approvedSender(channel: .http, senderId: "bob")?.role == .member)

            let run = try #require(await h.send("do it [permission]", from: "bob").runId, "a member may prompt")
            let key = try SessionKeys.route(agentId: "demo", conversation: RouterHarness.routed)
            let manager = h.manager
            let events = manager.subscribe(key)
            let prompt = try await withDeadline(20, "the permission request") {
                if let pending = try await manager.status(key).pendingPermissions.first { return pending }
                for await event in events { if case .permissionRequested(let prompt) = event.payload { return prompt } }
                throw CancellationError()
            }
            let press = await h.router.handle(InboundMessage(conversation: RouterHarness.routed, senderId: "bob", text: "",
                                                             idempotencyKey: UUID().uuidString, buttonPayload: "/acp allow \(prompt.id)"),
                                              channel: h.channel)
            #expect(press.reply == ChatReply.unauthorized, "a member never answers a permission request")
            #expect(try await manager.status(key).pendingPermissions.map(\.id) == [prompt.id])
            #expect(await h.send("/acp allow \(prompt.id)", from: "owner").reply?.hasPrefix("OK: allowed") == true)
            #expect(try await h.waitForRunEnd(run).state == .completed)
            #expect(await h.send("/acp status", from: "bob").reply?.hasPrefix("OK: ") == true, "status is a bound command")
            #expect(await h.send("/acp spawn", from: "bob").reply == ChatReply.unauthorized)
            #expect(await h.send("/acp status \(key.rawValue)", from: "bob").reply == ChatReply.unauthorized, "bound, for this session only")

            let bob = try h.store.auditEntries(sender: "http:bob")
            let rows = bob.map { "\($0.command) \($0.result)" }
            #expect(rows.contains("allow unauthorized"), "\(rows)")
            #expect(rows.contains("spawn unauthorized"), "\(rows)")
            #expect(rows.contains("status ok"), "\(rows)")
            #expect(bob.first { $0.command == "allow" }?.sessionKey == key.rawValue)
            #expect(bob.allSatisfy { $0.channel == "http" && $0.conversationId == "routed" })
            let owner = try h.store.auditEntries(sender: "http:owner")
            let approvals = owner.filter { $0.command == "approve" }
            #expect(approvals.count == 1, "one row per decision, written with it: \(approvals)")
            #expect(approvals.first?.detail == "request \(id) from http:bob as member")
            #expect(owner.contains { $0.command == "allow" && $0.result == "ok" })
            let decisions = try h.store.auditEntries(sender: "chat").filter { $0.command == "permission" }
            #expect(decisions.map(\.result) == ["answered"], "the decision, with the command's row beside it")
            #expect(decisions.first?.runId == run.rawValue && decisions.first?.sessionKey == key.rawValue)
            #expect(decisions.first?.detail == "request \(prompt.id): allow-once" && decisions.first?.conversationId == "routed")
            #expect(try h.store.auditEntries(sender: "http:alice").map { "\($0.command) \($0.result)" } == ["approve unauthorized"])
            #expect(try h.store.auditEntries().allSatisfy { !$0.command.contains(" ") }, "the command name only")
        }
    }

    @Test("an operator joins the allowlist; the sender is told once across passes and restarts; revoke takes it back")
    func operatorToldOnceAndRevoked() async throws {
        try await RouterHarness.with(unknownSenders: "request_approval") { h in
            let id = try await request(h, from: "carol")
            #expect(await h.send("/acp approve \(id)", from: "owner").reply == "OK: approved http:carol as operator")
            let notices = PairingNoticeService(store: h.store, channels: [h.channel], outbox: h.delivery, logger: Logger(label: "test.pairing"))
            await notices.tellPending()
            await notices.tellPending()
            let told = await h.channel.messages(in: RouterHarness.routed, containing: "approved your access request")
            #expect(told.count == 1, "\(told)")
            #expect(told.first?.kind == .notice)
            #expect(await h.send("/acp sessions", from: "carol").reply?.hasPrefix("OK: ") == true, "an operator is allowlisted")

            // Redelivered approve: the first outcome, no second decision or notice.
            try await h.restart()
            let again = PairingNoticeService(store: h.store, channels: [h.channel], outbox: h.delivery, logger: Logger(label: "test.pairing"))
            h.startDelivery()
            await again.tellPending()
            #expect(await h.channel.messages(in: RouterHarness.routed, containing: "access request").isEmpty, "told before the restart")

            let revoked = try h.store.revokeSender(channel: .http, senderId: "carol",
                                                   audit: AuditEntry(channel: "cli", sender: "cli:test", command: "revoke", result: "ok"))
            #expect(revoked?.role == .operator)
            #expect(await h.send("/acp sessions", from: "carol") == .ignored, "back to unknown: a new request")
            #expect(try h.store.pairingRequests().filter { $0.senderId == "carol" }.count == 1)
            #expect(try h.store.auditEntries(sender: "cli:test").first?.detail == "http:carol (was operator)")
        }
    }

    @Test("a denial is told once; the denied sender stays ignored")
    func denied() async throws {
        try await RouterHarness.with(unknownSenders: "request_approval") { h in
            let id = try await request(h, from: "dave")
            #expect(await h.send("/acp deny \(id)", from: "owner").reply == "OK: denied http:dave")
            let notices = PairingNoticeService(store: h.store, channels: [h.channel], outbox: h.delivery, logger: Logger(label: "test.pairing"))
            await notices.tellPending()
            #expect(await h.channel.messages(in: RouterHarness.routed, containing: "denied your access request").count == 1)
            #expect(await h.send("hello?", from: "dave") == .ignored)
            #expect(try h.store.auditEntries(sender: "http:dave").map(\.command) == [], "plain messages are not audited")
            #expect(await h.send("/acp deny \(id)", from: "owner").reply?.hasPrefix("ERROR: ACP_INVALID_ARGUMENT") == true)
            #expect(try h.store.auditEntries(sender: "http:owner").map { "\($0.command) \($0.result)" }
                    == ["deny ACP_INVALID_ARGUMENT", "deny ok"])
        }
    }
}
