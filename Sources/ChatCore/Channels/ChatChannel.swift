import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ServiceLifecycle

/// A chat platform as acpd drives it: Telegram, Discord, the http channel and the console each
/// implement this.
///
/// Inbound: the channel is a `Service` (its `run()` polls, listens or reads, and on graceful
/// shutdown stops taking messages and ends `inbound`) and an inbound source: `InboundRouter`
/// consumes `inbound` and completes each `Inbound` with its outcome.
///
/// Outbound: only the conversation's send queue (`ConversationSendQueue`, owned by
/// `DeliveryService`) calls `send`/`edit`, one call at a time per conversation, in order, paced
/// to `capabilities.minSendInterval`, retried on `ChannelError.rateLimited` and `.transient`,
/// never repeated after `.outcomeUnknown`. Implementations must be safe to call from any task.
public protocol ChatChannel: Service {
    /// Which channel kind this is (`ConversationRef.channel` of everything it handles).
    var kind: ConversationRef.Channel { get }
    /// The account this channel serves (`ConversationRef.accountId`), or nil when it serves every
    /// account of its kind (the http channel, the console). Default: nil.
    var accountId: String? { get }
    /// What the platform allows; constant for the channel's lifetime.
    var capabilities: ChannelCapabilities { get }
    /// Messages as they arrive, normalised, each to be completed with the router's outcome. Ends
    /// when the channel stops taking messages (graceful shutdown).
    var inbound: AsyncStream<Inbound> { get }
    /// Whether the channel takes messages now (false once it stopped intake at shutdown).
    var isAcceptingInbound: Bool { get }
    /// How the account stands, for channels with accounts that connect to a platform (Telegram,
    /// Discord); nil for the rest (http, console: the default).
    var accountStatus: ChannelAccountStatus? { get }

    /// Posts a new message and returns its reference. `buttons` are rows of buttons; a channel
    /// without buttons ignores them (the text always carries a typed alternative).
    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef
    /// Replaces the text (and buttons) of a message this channel sent. An edit that changes
    /// nothing must succeed (the run's final operation may repeat the text to mark it final;
    /// e.g. Telegram's "message is not modified" is a success). Channels without edits throw
    /// `ChannelError.notSupported`; the send queue then posts a new message instead.
    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws
    /// Creates a thread (Discord) or forum topic (Telegram) under `parent` and returns its
    /// conversation. Throws `ChannelError.notSupported` where the platform has none.
    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef
    /// Removes a thread or topic this channel created with `createThread` (used when a spawn
    /// fails after the thread was made, so no empty, unbound thread is left behind). Throws
    /// `ChannelError.notSupported` where the platform cannot (the default).
    func removeThread(_ thread: ConversationRef) async throws
    /// The private conversation between the bot and user `userId` (a Telegram private chat, a
    /// Discord DM channel, opened if needed), for notices to owners such as pairing requests.
    /// Throws `ChannelError.notSupported` where the platform has none (the default).
    func directConversation(with userId: String) async throws -> ConversationRef
    /// Waits until a call into `conversation` may start within the platform's flood limits and
    /// reserves that start for the conversation's next `send`/`edit`, which then does not wait
    /// again. The send queue calls it before it picks the text to send, so an edit superseded
    /// while it waited for its turn is dropped instead of sent late. Throws only on cancellation.
    /// Default: returns at once (channels without limits beyond `minSendInterval`).
    func reserveCall(in conversation: ConversationRef) async throws
    /// Shows that the bot is working in `conversation` (Telegram's `typing` chat action, Discord's
    /// typing indicator), for about `capabilities.activityInterval`. Best effort: never throws,
    /// and never spends a flood-limit budget a message needs. Default: does nothing.
    func showActivity(in conversation: ConversationRef) async
    /// Deletes a message someone posted in a conversation this channel carries (a message that
    /// carried the secret, CONTRACT.md §4), where the platform lets the bot. Throws
    /// `ChannelError.notSupported` where the channel cannot delete (the default), `.permanent`
    /// when the platform refuses (no rights, too old, already gone).
    func deleteMessage(_ message: MessageRef) async throws
}

extension ChatChannel {
    /// Channels that serve every account of their kind keep this default.
    public var accountId: String? { nil }

    /// Channels without a platform connection of their own keep this default.
    public var accountStatus: ChannelAccountStatus? { nil }

    /// Whether this channel carries `conversation` (its kind, and its account when it has one).
    public func carries(_ conversation: ConversationRef) -> Bool {
        conversation.channel == kind && (accountId == nil || accountId == conversation.accountId)
    }

    /// Channels without threads, or that cannot remove them, keep this default.
    public func removeThread(_ thread: ConversationRef) async throws {
        throw ChannelError.notSupported("\(kind.rawValue) cannot remove threads")
    }

    /// Channels without direct messages keep this default.
    public func directConversation(with userId: String) async throws -> ConversationRef {
        throw ChannelError.notSupported("\(kind.rawValue) has no direct messages")
    }

    /// Channels without flood limits of their own keep this default.
    public func reserveCall(in conversation: ConversationRef) async throws {}

    /// Channels without a typing indicator keep this default.
    public func showActivity(in conversation: ConversationRef) async {}

    /// Channels that cannot delete messages keep this default.
    public func deleteMessage(_ message: MessageRef) async throws {
        throw ChannelError.notSupported("\(kind.rawValue) cannot delete messages")
    }
}

/// Limits and features of a channel that delivery must respect.
public struct ChannelCapabilities: Sendable, Equatable {
    /// Longest message text, in UTF-16 code units (Telegram 4096, Discord 2000).
    public var maxMessageLength: Int
    /// Whether `edit` works; without it, live mode degrades to one message per flush.
    public var supportsEdit: Bool
    /// Whether buttons are shown.
    public var supportsButtons: Bool
    /// Whether `createThread` works.
    public var supportsThreads: Bool
    /// Shortest interval between two edits of one message the platform tolerates; delivery
    /// never flushes live edits faster than this.
    public var minEditInterval: Duration
    /// Shortest interval between two calls (send or edit) into one conversation: the send queue
    /// waits this long after a call before the next one (e.g. Telegram's one message per second
    /// per chat). Zero: no pacing.
    public var minSendInterval: Duration
    /// How often `showActivity` is repeated while a run is active in a conversation (a typing
    /// indicator lasts about this long). Nil: the channel shows no activity.
    public var activityInterval: Duration?

    /// Capabilities of a channel.
    public init(maxMessageLength: Int, supportsEdit: Bool, supportsButtons: Bool, supportsThreads: Bool = false,
                minEditInterval: Duration = .zero, minSendInterval: Duration = .zero, activityInterval: Duration? = nil) {
        self.activityInterval = activityInterval
        self.maxMessageLength = maxMessageLength
        self.supportsEdit = supportsEdit
        self.supportsButtons = supportsButtons
        self.supportsThreads = supportsThreads
        self.minEditInterval = minEditInterval
        self.minSendInterval = minSendInterval
    }
}

/// A message a channel sent, as the channel identifies it for later edits.
public struct MessageRef: Sendable, Hashable {
    public var conversation: ConversationRef
    /// The platform's message id (for http: the message `id`).
    public var messageId: String

    /// A reference to a sent message.
    public init(conversation: ConversationRef, messageId: String) {
        self.conversation = conversation
        self.messageId = messageId
    }
}

/// One button under a message. Pressing it arrives as an `InboundMessage` whose `text` is
/// `payload` (e.g. `/acp allow 3`) and whose `buttonPayload` is `payload` too, so a button and
/// the typed command take the same path.
public struct ChatButton: Sendable, Equatable {
    public var label: String
    public var payload: String

    /// A button with a label and the command it stands for.
    public init(label: String, payload: String) {
        self.label = label
        self.payload = payload
    }
}

/// What a sent or edited message is, for channels that keep a message model (http, CONTRACT.md §7).
public struct OutgoingContext: Sendable, Equatable {
    /// CONTRACT.md §7 message kinds.
    public enum Kind: String, Sendable, Equatable { case reply, command, notice, permission }
    public var kind: Kind
    /// The run the message belongs to, if any.
    public var runId: RunID?
    /// True on the run's final operation (exactly one per run): the run has ended and this
    /// text is its last state. The http channel marks every message of `runId` final then.
    public var isFinal: Bool
    /// The delivery checkpoint this operation completes, if it carries one. The send queue
    /// advances it after the call succeeded; a channel whose outbound lives in the control-plane
    /// store may write it in the same transaction as the message, so that a crash can never
    /// leave the message without its checkpoint (a repeat after restart) or the reverse.
    /// Advancing is idempotent and never moves back. Nil: the operation moves no checkpoint.
    public var checkpoint: CheckpointAdvance?

    /// Context of one send or edit.
    public init(kind: Kind, runId: RunID? = nil, isFinal: Bool = false, checkpoint: CheckpointAdvance? = nil) {
        self.kind = kind
        self.runId = runId
        self.isFinal = isFinal
        self.checkpoint = checkpoint
    }
}

/// Why a channel call failed, so the send queue knows whether to retry.
public enum ChannelError: Error, Sendable, Equatable {
    /// The platform said slow down; retry after `retryAfter` if given.
    case rateLimited(retryAfter: Duration?)
    /// Network or server trouble; retrying may work.
    case transient(String)
    /// The request can never succeed (message deleted, no access, bad request).
    case permanent(String)
    /// The channel lacks this feature (edit, threads).
    case notSupported(String)
    /// The request may or may not have taken effect (a timeout after it left, a dropped
    /// connection before the answer). The send queue never repeats such a send blindly: it
    /// counts the message as possibly delivered and repeats only idempotent edits.
    case outcomeUnknown(String)
}
