import ACPControlPlane
import ChatCore

/// What a platform's test hands the conformance kit: a way to make its channel against the
/// platform's fake, where to post, and the fake's view of what the platform now shows.
///
/// The kit reads `visibleMessages` from the fake, never from the channel, so a channel that
/// reports a send it did not make (or makes one it does not report) is caught.
public protocol ConformanceSubject: Sendable {
    associatedtype Channel: ChatChannel

    /// A channel connected to the platform fake. Called once per case; `tearDown` follows.
    func makeChannel() async throws -> Channel
    /// Called after each case with the channel `makeChannel` made. Default: nothing.
    func tearDown(_ channel: Channel) async

    /// The conversation the cases post into. Messages already there are left alone: each case
    /// looks only at what appeared (or changed) after it started.
    var conversation: ConversationRef { get }
    /// Where the thread case creates its thread; nil: the case is skipped for a channel with
    /// threads (a channel without threads is checked against `conversation`). Default: nil.
    var threadParent: ConversationRef? { get }
    /// A user the bot can open a direct conversation with; nil: the DM case only checks that a
    /// channel without DMs says `notSupported`. Default: nil.
    var directMessageUser: String? { get }

    /// The messages the platform shows in `conversation` now, oldest first, as its fake stores
    /// them.
    func visibleMessages(in conversation: ConversationRef) async throws -> [VisibleMessage]

    /// The faults the fake can inject; the cases needing another one are skipped. Default: none.
    var injectableFaults: Set<FaultKind> { get }
    /// Makes the fake's next call fail with `fault` (only kinds in `injectableFaults` are asked).
    func inject(_ fault: Fault) async
}

extension ConformanceSubject {
    public func tearDown(_ channel: Channel) async {}
    public var threadParent: ConversationRef? { nil }
    public var directMessageUser: String? { nil }
    public var injectableFaults: Set<FaultKind> { [] }
    public func inject(_ fault: Fault) async {}
}

/// One message as the platform shows it.
public struct VisibleMessage: Sendable, Equatable {
    /// The platform's id (what `MessageRef.messageId` must be).
    public var id: String
    /// The text as the platform shows it (formatting markup turned back into the plain text).
    public var text: String
    /// Rows of buttons under the message; empty where there are none (or the platform has none).
    public var buttons: [[ChatButton]]

    /// A message as the fake stores it.
    public init(id: String, text: String, buttons: [[ChatButton]] = []) {
        self.id = id
        self.text = text
        self.buttons = buttons
    }
}

/// A failure the platform fake produces on its next call.
public enum Fault: Sendable, Equatable {
    /// The platform answers "too many requests, retry after `retryAfter`" (HTTP 429) and does
    /// nothing. A platform that counts in whole seconds rounds up.
    case rateLimited(retryAfter: Duration)
    /// The platform answers with a server error (HTTP 5xx) and does nothing.
    case transient
    /// The platform APPLIES the request, then the answer is lost (a timeout, a dropped connection).
    case outcomeUnknown

    /// Which kind of fault this is.
    public var kind: FaultKind {
        switch self {
        case .rateLimited: .rateLimited
        case .transient: .transient
        case .outcomeUnknown: .outcomeUnknown
        }
    }
}

/// The kinds of `Fault`, for `ConformanceSubject.injectableFaults`.
public enum FaultKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case rateLimited, transient, outcomeUnknown

    public var description: String { rawValue }
}
