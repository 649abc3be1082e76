import ACPControlPlane
import Synchronization

/// The runs streaming into private chats as drafts (`sendMessageDraft`, `drafts: true`): each of a
/// run's messages is a draft until it is finished, then sent once with `sendMessage` (a draft is
/// only a preview and does not stay in the chat). A draft's `MessageRef` id is `draft:<id>`.
final class TelegramDrafts: Sendable {
    struct Draft: Sendable {
        var run: RunID
        var conversation: ConversationRef
        /// The draft's latest text (what `sendMessage` sends when it is finished).
        var text = ""
        /// The message it became once sent for good.
        var messageId: Int64?
    }

    private struct State {
        /// Draft ids are per chat and must not be zero; a random start keeps the ids of a
        /// restarted acpd apart from the drafts of the one before.
        var next: Int64
        var drafts: [Int64: Draft] = [:]
    }

    private let state: Mutex<State>

    init() {
        state = Mutex(State(next: Int64.random(in: 1...(1 << 40))))
    }

    /// A new draft of `run` in `conversation`; returns its id.
    func begin(run: RunID, conversation: ConversationRef) -> Int64 {
        state.withLock { state in
            let id = state.next
            state.next += 1
            state.drafts[id] = Draft(run: run, conversation: conversation)
            return id
        }
    }

    /// The draft `id`, registered for `run` if this process does not know it (a draft adopted
    /// after a restart).
    func draft(_ id: Int64, run: RunID, conversation: ConversationRef) -> Draft {
        state.withLock { state in
            if let known = state.drafts[id] { return known }
            let draft = Draft(run: run, conversation: conversation)
            state.drafts[id] = draft
            return draft
        }
    }

    /// Notes the draft's latest text.
    func update(_ id: Int64, text: String) {
        state.withLock { $0.drafts[id]?.text = text }
    }

    /// Notes that draft `id` was sent for good as message `messageId`.
    func sent(_ id: Int64, as messageId: Int64) {
        state.withLock { $0.drafts[id]?.messageId = messageId }
    }

    /// The run's drafts not yet sent for good, oldest first (except `excluded`).
    func unsent(of run: RunID, except excluded: Int64?) -> [(id: Int64, draft: Draft)] {
        state.withLock { state in
            state.drafts.filter { $0.value.run == run && $0.value.messageId == nil && $0.key != excluded }
                .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// Forgets every draft of `run` (its final message was sent).
    func finish(_ run: RunID) {
        state.withLock { state in state.drafts = state.drafts.filter { $0.value.run != run } }
    }

    /// `draft:<id>`: a draft's message reference id.
    static func reference(_ id: Int64) -> String { "draft:\(id)" }

    /// The draft id of a message reference id, nil for a real message.
    static func draftId(of reference: String) -> Int64? {
        guard reference.hasPrefix("draft:") else { return nil }
        return Int64(reference.dropFirst(6))
    }
}
