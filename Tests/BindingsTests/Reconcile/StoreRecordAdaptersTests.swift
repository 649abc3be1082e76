@testable import ACPControlPlane
@testable import Bindings
import Foundation
import Testing

@Suite struct StoreRecordAdaptersTests {
    @Test func recordsMapToTheBindingLayersValues() {
        let key = SessionKey("agent:demo:acp:binding:telegram:default:0123456789abcdef")!
        let session = SessionRecord(key: key, agentId: "demo", cwd: "/srv", mode: .oneshot, backend: "acpx",
                                    label: "l", state: .closed)
        let conversation = ConversationRef(channel: .telegram, conversationId: "-100:topic:1", parentConversationId: "-100")
        let created = Date(timeIntervalSince1970: 100), active = Date(timeIntervalSince1970: 200)
        let binding = BindingRecord(id: 1, source: .runtime, conversation: conversation, sessionKey: key, persist: true,
                                    createdAt: created, lastActivityAt: active, expiresAt: nil, endedAt: nil, endReason: nil)
        #expect(SessionSettings(session) == SessionSettings(agentId: "demo", cwd: "/srv", mode: .oneshot, backend: "acpx", label: "l"))
        let stored = StoredBinding(binding, session: session)
        #expect(stored.session?.state == .closed && stored.source == .runtime && stored.sessionKey == key)
        #expect(StoredBinding(binding, session: nil).session == nil)
        #expect(RuntimeBinding(binding) == RuntimeBinding(conversation: conversation, sessionKey: key, persist: true,
                                                          createdAt: created, lastActivityAt: active))
    }
}
