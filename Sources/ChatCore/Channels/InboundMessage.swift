import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One message a channel received, normalised: the only form the router sees (ARCHITECTURE.md,
/// "One message, end to end", step 1). Channels build it with their conversation-id normaliser,
/// so `conversation` is canonical.
public struct InboundMessage: Sendable, Equatable {
    /// A file or media item attached to the message, as the platform described it.
    ///
    /// Two attachments are equal when their descriptions are; `source` is not compared.
    public struct Attachment: Sendable, Equatable {
        /// What the platform says the item is.
        public enum Kind: String, Sendable, Equatable {
            case photo, document, voice, audio, video
        }

        /// Platform file id or URL the pipeline can fetch it from.
        public var reference: String
        public var kind: Kind
        /// The file's name (platforms give none for photos and voice notes: the channel makes one up).
        public var fileName: String?
        public var mimeType: String?
        public var sizeBytes: Int?
        /// How to download it; nil: it is passed on as a `resource_link` to `reference`, unfetched.
        public var source: (any AttachmentSource)?

        /// An attachment; only `reference` is required.
        public init(reference: String, kind: Kind = .document, fileName: String? = nil, mimeType: String? = nil,
                    sizeBytes: Int? = nil, source: (any AttachmentSource)? = nil) {
            self.reference = reference
            self.kind = kind
            self.fileName = fileName
            self.mimeType = mimeType
            self.sizeBytes = sizeBytes
            self.source = source
        }

        /// Equal descriptions (the source is not compared: it is how to fetch, not what).
        public static func == (lhs: Attachment, rhs: Attachment) -> Bool {
            lhs.reference == rhs.reference && lhs.kind == rhs.kind && lhs.fileName == rhs.fileName
                && lhs.mimeType == rhs.mimeType && lhs.sizeBytes == rhs.sizeBytes
        }
    }

    /// Where it was posted.
    public var conversation: ConversationRef
    /// The sender's platform id (without the channel prefix: `111`, not `telegram:111`).
    public var senderId: String
    public var text: String
    public var attachments: [Attachment]
    /// The platform's id of this message (Telegram `message_id`, Discord snowflake, …).
    public var platformMessageId: String?
    /// Key under which the router dedupes a redelivered message: the same platform update must
    /// always yield the same key (e.g. `telegram:<chat>:<message_id>`, the http `Idempotency-Key`).
    public var idempotencyKey: String
    /// When a button was pressed instead of text typed: the button's `payload` (see `ChatButton`).
    public var buttonPayload: String?
    /// True when the channel shows a command's reply itself, from the outcome (a Discord slash
    /// command answers by editing its interaction's response): the router then does not post the
    /// reply to the conversation as well. Prompts' output is delivered as always.
    public var repliesInline = false

    /// A normalised inbound message.
    public init(conversation: ConversationRef, senderId: String, text: String, attachments: [Attachment] = [],
                platformMessageId: String? = nil, idempotencyKey: String, buttonPayload: String? = nil) {
        self.conversation = conversation
        self.senderId = senderId
        self.text = text
        self.attachments = attachments
        self.platformMessageId = platformMessageId
        self.idempotencyKey = idempotencyKey
        self.buttonPayload = buttonPayload
    }
}
