import ACPControlPlane
import ChatCore

/// The cases about other conversations: threads and direct messages, called on the channel
/// directly (the send queue creates neither), then posted into through the queue.
extension ConformanceContext {
    func checkThreads() async throws {
        guard capabilities.supportsThreads else {
            let result = await outcome { try await channel.createThread(in: subject.threadParent ?? conversation, title: "Conformance") }
            switch result {
            case .failure(ChannelError.notSupported): return
            case .failure(let error): throw ConformanceFailure("supportsThreads is false but createThread threw \(error), not notSupported")
            case .success(let thread): throw ConformanceFailure("supportsThreads is false but createThread made \(thread)")
            }
        }
        guard let parent = subject.threadParent else { throw ConformanceSkip("the subject names no thread parent") }
        let thread: ConversationRef
        switch await outcome({ try await channel.createThread(in: parent, title: "Conformance thread") }) {
        case .success(let created): thread = created
        case .failure(let error): throw ConformanceFailure("createThread threw \(error)")
        }
        try require(thread.channel == parent.channel && thread.accountId == parent.accountId,
                    "the thread \(thread) is not on the parent's channel and account (\(parent))")
        try require(thread.conversationId != parent.conversationId && thread.parentConversationId == parent.conversationId,
                    "the thread \(thread) must be a conversation of its own whose parent is \(parent.conversationId)")
        let text = "Conformance: a message in a thread"
        let parentBefore = try await visible(in: parent)
        let before = try await visible(in: thread)
        let report = await drive(into: thread) { $0.post([operation(.send, text)]) }
        try requireClean(report)
        let new = try await requireAppeared([text], in: thread, since: before)
        try requireRefs(report.receipts.flatMap(\.messages), name: new, in: thread)
        let inParent = try await appeared(in: parent, since: parentBefore)
        try require(!inParent.contains { $0.text == text }, "the thread's message also appeared in the parent conversation")
        switch await outcome({ try await channel.removeThread(thread) }) {
        case .success, .failure(ChannelError.notSupported): break
        case .failure(let error): throw ConformanceFailure("removeThread threw \(error)")
        }
    }

    func checkDirectMessages() async throws {
        guard let user = subject.directMessageUser else {
            switch await outcome({ try await channel.directConversation(with: "conformance-user") }) {
            case .failure(ChannelError.notSupported): return
            default: throw ConformanceSkip("the subject names no DM user and the channel does not say notSupported")
            }
        }
        let direct: ConversationRef
        switch await outcome({ try await channel.directConversation(with: user) }) {
        case .success(let conversation): direct = conversation
        case .failure(ChannelError.notSupported): return
        case .failure(let error): throw ConformanceFailure("directConversation threw \(error)")
        }
        try require(channel.carries(direct), "the direct conversation \(direct) is not one this channel carries")
        switch await outcome({ try await channel.directConversation(with: user) }) {
        case .success(let again): try require(again == direct, "directConversation answered \(direct), then \(again)")
        case .failure(let error): throw ConformanceFailure("directConversation worked once, then threw \(error)")
        }
        let text = "Conformance: a direct message"
        let before = try await visible(in: direct)
        let report = await drive(into: direct) { $0.post([operation(.send, text)]) }
        try requireClean(report)
        let new = try await requireAppeared([text], in: direct, since: before)
        try requireRefs(report.receipts.flatMap(\.messages), name: new, in: direct)
    }

    /// The result of `body`, so a case can switch over what the channel threw.
    private func outcome<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}
