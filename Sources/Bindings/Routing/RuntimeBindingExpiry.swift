#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// When runtime bindings (made without `--persist`) end: after `acp.runtimeBindings.idleHours`
/// without traffic, or `maxAgeHours` after creation, whichever comes first; 0 turns a limit off.
/// Pure functions of the binding, the policy and the time.
public enum RuntimeBindingExpiry {
    /// Which limit ended a binding.
    public enum Reason: String, Sendable, Equatable, CaseIterable {
        case idle
        case maxAge = "max_age"
    }

    /// A binding that has expired, and why.
    public struct Expired: Sendable, Equatable {
        public var binding: RuntimeBinding
        public var reason: Reason
    }

    /// The moment `binding` expires and why, or nil when it never does (`--persist`, or both limits off).
    public static func deadline(of binding: RuntimeBinding, policy: RuntimeBindingPolicy) -> (at: Date, reason: Reason)? {
        guard !binding.persist else { return nil }
        var candidates: [(at: Date, reason: Reason)] = []
        // Clamped to the config range (at most a year), so the dates stay printable.
        let idleHours = ConfigLimits.clamp(policy.idleHours, to: ConfigLimits.runtimeBindingHours)
        let maxAgeHours = ConfigLimits.clamp(policy.maxAgeHours, to: ConfigLimits.runtimeBindingHours)
        if idleHours > 0 {
            candidates.append((binding.lastActivityAt.addingTimeInterval(Double(idleHours) * 3600), .idle))
        }
        if maxAgeHours > 0 {
            candidates.append((binding.createdAt.addingTimeInterval(Double(maxAgeHours) * 3600), .maxAge))
        }
        return candidates.min { $0.at < $1.at }
    }

    /// The bindings among `bindings` that have expired at `now` (deadline ≤ now), in the given order.
    public static func expired(_ bindings: [RuntimeBinding], at now: Date, policy: RuntimeBindingPolicy) -> [Expired] {
        bindings.compactMap { binding in
            guard let deadline = deadline(of: binding, policy: policy), deadline.at <= now else { return nil }
            return Expired(binding: binding, reason: deadline.reason)
        }
    }

    /// The one notice a conversation gets when its binding expired.
    public static func notice(for expired: Expired, policy: RuntimeBindingPolicy) -> String {
        let why = switch expired.reason {
        case .idle: "no messages for \(policy.idleHours) hour\(policy.idleHours == 1 ? "" : "s")"
        case .maxAge: "it reached its maximum age of \(policy.maxAgeHours) hour\(policy.maxAgeHours == 1 ? "" : "s")"
        }
        return "Binding ended (\(why)): messages here no longer go to session \(expired.binding.sessionKey). "
            + "Bind again with /acp bind \(expired.binding.sessionKey) (add --persist to keep it)."
    }
}
