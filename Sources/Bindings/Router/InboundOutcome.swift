import ACPControlPlane
import Foundation

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

    /// An outcome.
    public init(accepted: Bool, runId: RunID? = nil, reply: String? = nil) {
        self.accepted = accepted
        self.runId = runId
        self.reply = reply
    }

    /// An ignored message.
    public static let ignored = InboundOutcome(accepted: false)

    /// The outcome as stored with its idempotency key (JSON).
    var stored: String {
        (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? #"{"accepted":true}"#
    }

    /// Decodes a stored outcome; a malformed one counts as accepted without reply.
    init(stored: String) {
        self = (try? JSONDecoder().decode(InboundOutcome.self, from: Data(stored.utf8))) ?? InboundOutcome(accepted: true)
    }
}
