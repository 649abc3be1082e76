import ACPControlPlane
import ChatChannelConformance
import ChatCore

/// The in-memory platform as a conformance subject: every fault can be injected.
struct InMemorySubject: ConformanceSubject {
    let platform: InMemoryPlatform
    var supportsEdit = true
    var flaw: InMemoryChannel.Flaw?

    let conversation = ConversationRef(channel: "memory", conversationId: "general")
    var threadParent: ConversationRef? { conversation }
    var directMessageUser: String? { "owner-1" }
    var injectableFaults: Set<FaultKind> { Set(FaultKind.allCases) }

    /// A subject over a fresh platform that accepts `maxLength` UTF-16 units per message.
    init(maxLength: Int = 200, supportsEdit: Bool = true, flaw: InMemoryChannel.Flaw? = nil) {
        platform = InMemoryPlatform(maxLength: maxLength)
        self.supportsEdit = supportsEdit
        self.flaw = flaw
    }

    func makeChannel() async throws -> InMemoryChannel {
        InMemoryChannel(platform: platform, supportsEdit: supportsEdit, flaw: flaw)
    }

    func visibleMessages(in conversation: ConversationRef) async throws -> [VisibleMessage] {
        await platform.messages(in: conversation.conversationId).map { VisibleMessage(id: $0.id, text: $0.text, buttons: $0.buttons) }
    }

    func inject(_ fault: Fault) async {
        await platform.inject(fault)
    }
}
