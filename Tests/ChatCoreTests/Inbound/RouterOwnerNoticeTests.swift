import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Logging
import RuntimeBackends
import Testing
import TestSupport

/// Without a notifier of its own, the router tells owners in their direct conversation.
struct RouterOwnerNoticeTests {
    @Test("a pairing request reaches each owner's direct conversation once, naming the request and how to answer")
    func pairingRequestIsSentToTheOwnersDM() async throws {
        try await withTemporaryDirectory { dir in
            let config = try RouterHarness.config(dir: dir, unknownSenders: "request_approval")
            let store = try ControlPlaneStore.open(stateDir: dir.appendingPathComponent("state"))
            let registry = BackendRegistry()
            await registry.register(StdioRuntime())
            let agents = config.agents
            let manager = SessionManager(store: store, backends: registry, agents: { agents[$0]?.spec })
            let channel = ChatRecorder()
            let delivery = DeliveryService(config: config, manager: manager, store: store, channels: [channel],
                                           logger: Logger(label: "test.owners"))
            let router = InboundRouter(config: config, manager: manager, store: store, bindings: ControlPlaneBindings(manager: manager),
                                       channels: [channel], outbox: delivery, logger: Logger(label: "test.owners"))
            let stranger = InboundMessage(conversation: RouterHarness.routed, senderId: "stranger", text: "hello", idempotencyKey: "o-1")
            #expect(await router.handle(stranger, channel: channel) == .ignored)
            let again = InboundMessage(conversation: RouterHarness.routed, senderId: "stranger", text: "hello?", idempotencyKey: "o-2")
            #expect(await router.handle(again, channel: channel) == .ignored)

            let request = try #require(try store.pairingRequests().first)
            let ownerDM = ConversationRef(channel: .http, conversationId: "dm-owner")
            let notices = await channel.messages(in: ownerDM)
            #expect(notices.count == 1, "one notice per request: \(notices)")
            #expect(notices.first?.kind == .notice)
            #expect(notices.first?.text.contains("/acp approve \(request.id)") == true, "\(notices)")
            // Only owners are told; the stranger's conversation hears nothing.
            #expect(await channel.messages(in: RouterHarness.routed).isEmpty)
            #expect(await channel.messages(in: ConversationRef(channel: .http, conversationId: "dm-alice")).isEmpty)
            await manager.shutdown()
        }
    }
}
