import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A message's idempotency at intake: the key its outcome is stored under (per channel account),
/// the fingerprint of what it asks (a later message with the same key and other content is a
/// conflict), and how long a stored outcome counts.
struct IntakeKey: Sendable {
    let key: IdempotencyKey
    let fingerprint: String
    let ttl: TimeInterval

    init(_ message: InboundMessage, ttl: TimeInterval) {
        let conversation = message.conversation
        key = IdempotencyKey(scope: "\(conversation.channel.rawValue):\(conversation.accountId)", key: message.idempotencyKey)
        fingerprint = InboundOutcome.fingerprint(message)
        self.ttl = ttl
    }

    /// `acp.idempotency.ttlHours`, within its limits, in seconds.
    static func ttl(_ config: ACPDConfig) -> TimeInterval {
        TimeInterval(ConfigLimits.clamp(config.acp.idempotencyTTLHours, to: ConfigLimits.idempotencyTTLHours)) * 3600
    }

    /// The recording a prompt's submit stores with its run: this message's outcome (accepted,
    /// the run) with its fingerprint, so the run and the record that the message was handled
    /// commit in one transaction.
    var recording: SubmitRecording {
        let fingerprint = fingerprint
        return SubmitRecording(key: key, ttl: ttl) { result in
            var outcome = InboundOutcome(accepted: true, runId: result.runId)
            outcome.request = fingerprint
            return outcome.stored
        }
    }
}
