import ACPControlPlane
import Bindings
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The shared-secret gate of guarded commands (`access.secret`, `/auth`, `/lock`).
///
/// With no secret configured every command passes. With one, a guarded command
/// (`CommandName.isGuarded`) passes only for a sender unlocked by `/auth <secret>` within the last
/// `authTtlSeconds`; `/lock` locks that sender again. The console is never gated. Secrets are
/// compared in constant time (over SHA-256 digests, so the length does not leak either).
/// A value type: the owner (the router's actor) holds it; time comes in as `now`, so tests drive it.
public struct SecretGate: Sendable {
    private let secretDigest: SHA256.Digest?
    private let ttl: TimeInterval
    private let ttlSeconds: Int
    /// Unlock expiry per sender.
    private var unlockedUntil: [SenderRef: Date] = [:]

    /// A gate for `access.secret` (nil: no gate) unlocking for `access.authTtlSeconds`.
    public init(_ config: AccessConfig) {
        self.init(secret: config.secret?.value, ttlSeconds: config.authTTLSeconds)
    }

    /// A gate for `secret` (nil or empty: no gate) unlocking for `ttlSeconds`, clamped to
    /// `ConfigLimits.authTTLSeconds` (1 s to a year).
    public init(secret: String?, ttlSeconds: Int) {
        secretDigest = secret.flatMap { $0.isEmpty ? nil : SHA256.hash(data: Data($0.utf8)) }
        self.ttlSeconds = ConfigLimits.clamp(ttlSeconds, to: ConfigLimits.authTTLSeconds)
        ttl = TimeInterval(self.ttlSeconds)
    }

    /// True when a secret is configured.
    public var isEnabled: Bool { secretDigest != nil }

    /// True when `sender` may run `command` now: it needs no secret, or the sender unlocked with
    /// `/auth`, or `secret` (a `--secret` given on the command) is the configured one. A wrong
    /// `secret` refuses the command even for an unlocked sender.
    public func permits(_ command: CommandName, sender: SenderRef, now: Date, secret: String? = nil) -> Bool {
        guard isEnabled, command.isGuarded, sender.channel != .console else { return true }
        if let secret { return matches(secret) }
        return isUnlocked(sender, now: now)
    }

    /// True when `secret` is the configured secret (constant time); false when none is configured.
    public func matches(_ secret: String) -> Bool {
        guard let expected = secretDigest else { return false }
        return Self.constantTimeEqual(Array(SHA256.hash(data: Data(secret.utf8))), Array(expected))
    }

    /// True when `sender` unlocked within the TTL.
    public func isUnlocked(_ sender: SenderRef, now: Date) -> Bool {
        guard let until = unlockedUntil[sender] else { return false }
        return now < until
    }

    /// Handles `/auth <secret>`: unlocks `sender` on a match. Returns the reply:
    /// `OK: unlocked for N seconds` (`1 second`), `ERROR: unauthorized` on a wrong secret (and locks the sender),
    /// or `OK: no secret is configured` when there is no gate.
    public mutating func authenticate(_ sender: SenderRef, secret: String, now: Date) -> String {
        guard let expected = secretDigest else { return ChatReply.ok("no secret is configured; nothing to unlock") }
        let given = SHA256.hash(data: Data(secret.utf8))
        guard Self.constantTimeEqual(Array(given), Array(expected)) else {
            unlockedUntil[sender] = nil
            return ChatReply.unauthorized
        }
        unlockedUntil[sender] = now.addingTimeInterval(ttl)
        purgeExpired(now: now)
        return ChatReply.ok("unlocked for \(ttlSeconds) second\(ttlSeconds == 1 ? "" : "s")")
    }

    /// Handles `/lock`: locks `sender` again. Returns `OK: locked`.
    public mutating func lock(_ sender: SenderRef) -> String {
        unlockedUntil[sender] = nil
        return ChatReply.ok("locked")
    }

    /// Drops expired unlocks so the table stays as small as the set of unlocked senders.
    public mutating func purgeExpired(now: Date) {
        unlockedUntil = unlockedUntil.filter { now < $0.value }
    }

    /// Compares two byte arrays without an early exit.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
