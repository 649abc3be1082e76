import ACPControlPlane
import ChatCore

/// One case's world: the subject, the channel under test (observed), and helpers to drive the
/// send path and to read what the platform shows. A case throws `ConformanceFailure` or
/// `ConformanceSkip`; returning means it passed.
struct ConformanceContext<Subject: ConformanceSubject>: Sendable {
    let subject: Subject
    let channel: ObservedChannel<Subject.Channel>
    let kit: ChannelConformance

    var conversation: ConversationRef { subject.conversation }
    var capabilities: ChannelCapabilities { channel.capabilities }

    func check(_ conformanceCase: ConformanceCase) async throws {
        switch conformanceCase {
        case .send: try await checkSend()
        case .editInPlace: try await checkEditInPlace()
        case .notModifiedEdit: try await checkNotModifiedEdit()
        case .splitAtLimit: try await checkSplitAtLimit()
        case .buttons: try await checkButtons()
        case .threads: try await checkThreads()
        case .directMessages: try await checkDirectMessages()
        case .rateLimited: try await checkRateLimited()
        case .transientFailure: try await checkTransientFailure()
        case .unknownOutcome: try await checkUnknownOutcome()
        case .ordering: try await checkOrdering()
        }
    }

    // MARK: Driving the send path

    /// Applies what `enqueue` hands a fresh send queue for `target` (default: the subject's
    /// conversation) and returns the queue's report; the observed calls start empty, with `hook`
    /// run before each one.
    func drive(into target: ConversationRef? = nil, beforeCall hook: ObservedChannel<Subject.Channel>.Hook? = nil,
               _ enqueue: (SendPathDrive) -> Void) async -> SendPathDrive.Report {
        channel.reset(beforeCall: hook)
        let drive = SendPathDrive(channel: channel, conversation: target ?? conversation, policy: kit.retryPolicy)
        enqueue(drive)
        return await drive.finish()
    }

    /// Fails unless the queue delivered everything without giving anything up.
    func requireClean(_ report: SendPathDrive.Report) throws {
        if let problem = report.problem { throw ConformanceFailure(problem) }
    }

    // MARK: Reading the platform

    /// What the platform shows in `target` now.
    func visible(in target: ConversationRef? = nil) async throws -> [VisibleMessage] {
        do { return try await subject.visibleMessages(in: target ?? conversation) } catch {
            throw ConformanceFailure("the platform fake could not list messages: \(error)")
        }
    }

    /// The messages that appeared in `target` since `before` (a `visible` snapshot), in platform
    /// order. Fails when a message that was there before changed: a case never touches those.
    func appeared(in target: ConversationRef? = nil, since before: [VisibleMessage]) async throws -> [VisibleMessage] {
        let now = try await visible(in: target)
        let earlier = Dictionary(before.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for message in now {
            if let old = earlier[message.id], old != message {
                throw ConformanceFailure("message \(message.id), there before the case, changed from \(quoted(old.text)) to \(quoted(message.text))")
            }
        }
        return now.filter { earlier[$0.id] == nil }
    }

    /// Fails unless exactly the texts `expected` appeared, in this order.
    @discardableResult
    func requireAppeared(_ expected: [String], in target: ConversationRef? = nil,
                         since before: [VisibleMessage]) async throws -> [VisibleMessage] {
        let new = try await appeared(in: target, since: before)
        try require(new.map(\.text) == expected,
                    "expected the platform to show \(quotedList(expected)) as new messages, it shows \(quotedList(new.map(\.text)))")
        return new
    }

    /// Fails unless the references the queue got name the messages the platform shows.
    func requireRefs(_ refs: [MessageRef], name messages: [VisibleMessage], in target: ConversationRef? = nil) throws {
        let target = target ?? conversation
        try require(refs.map(\.messageId) == messages.map(\.id),
                    "send returned message ids \(refs.map(\.messageId)) but the platform shows ids \(messages.map(\.id))")
        try require(refs.allSatisfy { $0.conversation == target },
                    "send returned references into \(refs.map(\.conversation.canonical)), not \(target.canonical)")
    }
}

/// A text as it appears in a failure reason (long texts shortened).
func quoted(_ text: String) -> String {
    text.count <= 60 ? "\"\(text)\"" : "\"\(text.prefix(40))…\" (\(text.utf16.count) UTF-16 units)"
}

/// Texts as they appear in a failure reason: `["a", "b"]`.
func quotedList(_ texts: [String]) -> String {
    "[" + texts.map(quoted).joined(separator: ", ") + "]"
}

/// One operation; `kind` `.notice` as standalone messages are.
func operation(_ action: DeliveryOperation.Action, slot: Int = 0, _ text: String, buttons: [[ChatButton]] = [],
               kind: OutgoingContext.Kind = .notice, isFinal: Bool = false) -> DeliveryOperation {
    DeliveryOperation(action, slot: slot, text: text, buttons: buttons, kind: kind, isFinal: isFinal)
}
