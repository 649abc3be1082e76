import ACPControlPlane
import Bindings
import JSONKit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the router did with one inbound message. The http channel answers exactly this as
/// `{"accepted", "runId"?, "reply"?}`; an ignored sender gives `accepted: false`.
public struct InboundOutcome: Sendable, Equatable, Codable {
    /// False when the message was ignored (unknown sender under strict, not addressed to us, or
    /// dispatch of an unbound prompt declined silently).
    public var accepted: Bool
    /// The run the message started or steered, if any.
    public var runId: RunID?
    /// The reply text sent to the conversation (already redacted), if any.
    public var reply: String?
    /// Why the message was refused before any handler ran, for channels that answer the sender
    /// directly (the HTTP API answers `429` and `409`); nil otherwise.
    public var refusal: Refusal?
    /// A short text for whoever pressed a button and no one else (Telegram's callback notice,
    /// Discord's ephemeral answer), when the press changed nothing: a second press of an answered
    /// permission request or question. Nothing is posted into the conversation then.
    public var notice: String?
    /// The fingerprint of the message that first used the idempotency key (stored with the key,
    /// never returned): a later message with the same key but other content is a conflict.
    var request: String?
    /// Stored true while the reply is recorded but not yet posted (cleared once it was): a
    /// redelivery after a crash in between posts the reply then, instead of never. Never returned.
    var replyPending: Bool?
    /// True while the outcome is on its way from the handler to `finish` and was already stored
    /// with its idempotency key by the handler's own transaction (a prompt's submit). Never
    /// stored, never returned.
    var recordedWithRun = false

    private enum CodingKeys: String, CodingKey {
        case accepted, runId, reply, refusal, notice, request, replyPending
    }

    /// Why a message was refused.
    public enum Refusal: String, Sendable, Codable {
        /// The sender's rate limit is used up (`ERROR: rate limited (try again later)`).
        case rateLimited = "rate_limited"
        /// The idempotency key was first used by a different message; nothing was done.
        case keyConflict = "key_conflict"
        /// A message with this idempotency key is still being handled and did not finish in time;
        /// nothing was done for this one: retry later for the first outcome.
        case inProgress = "in_progress"
    }

    /// An outcome.
    public init(accepted: Bool, runId: RunID? = nil, reply: String? = nil, refusal: Refusal? = nil) {
        self.accepted = accepted
        self.runId = runId
        self.reply = reply
        self.refusal = refusal
    }

    /// A button press that changed nothing (what it answers was answered already): `notice` for
    /// the presser only.
    static func pressNotice(_ notice: String) -> InboundOutcome {
        var outcome = InboundOutcome(accepted: true)
        outcome.notice = notice
        return outcome
    }

    /// An ignored message.
    public static let ignored = InboundOutcome(accepted: false)

    /// A message whose idempotency key belongs to a different message: nothing done, nothing sent.
    public static let keyConflict = InboundOutcome(accepted: false, refusal: .keyConflict)

    /// A message whose idempotency key is still being handled: nothing done, nothing sent.
    public static let inProgress = InboundOutcome(accepted: false, refusal: .inProgress)

    /// A stable fingerprint of what a message asks (conversation, sender, text, button, attachments): FNV-1a
    /// 64 over its UTF-8, hex. Not a security measure, only a guard against reusing a key. The
    /// text of `/auth` is left out, so the stored fingerprint says nothing about the secret.
    static func fingerprint(_ message: InboundMessage) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let trimmed = message.text.drop { $0.isWhitespace }
        let text = trimmed.hasPrefix("/auth") ? "/auth" : CarriedSecret(message.text).text
        var parts = [message.conversation.canonical, message.senderId, text, message.buttonPayload ?? ""]
        // Attachments count only when there are some, so fingerprints stored before stay valid.
        if !message.attachments.isEmpty { parts.append(message.attachments.map(\.reference).joined(separator: "\n")) }
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// The outcome as stored with its idempotency key: JSON in the shape of its `Codable`
    /// conformance, written by JSONKit (it is on every message's path; Foundation's encoder costs
    /// tens of microseconds a call).
    var stored: String {
        var object = JSONObject()
        object["accepted"] = .bool(accepted)
        if let runId { object["runId"] = .string(runId.rawValue) }
        if let reply { object["reply"] = .string(reply) }
        if let refusal { object["refusal"] = .string(refusal.rawValue) }
        if let notice { object["notice"] = .string(notice) }
        if let request { object["request"] = .string(request) }
        if let replyPending { object["replyPending"] = .bool(replyPending) }
        return JSONValue.object(object).jsonText()
    }

    /// Decodes a stored outcome (also those earlier versions wrote with `JSONEncoder`); a
    /// malformed one counts as accepted without reply.
    init(stored: String) {
        guard let value = try? JSONParser.parse(Array(stored.utf8)),
              let decoded = try? JSONValueDecoder.decode(InboundOutcome.self, from: value) else {
            self = InboundOutcome(accepted: true)
            return
        }
        self = decoded
    }
}
