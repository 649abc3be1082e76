#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Accounting of live runtimes for `acp.maxConcurrentSessions`: which sessions hold a live
/// runtime, which of them are busy (a turn in flight), and when each was last used.
///
/// A session asks for a slot before it starts (or uses) a runtime for a turn. When every slot is
/// taken, the least recently used idle runtime is evicted to make room; when none is idle the
/// request fails with `ACP_SESSION_LIMIT`.
actor RuntimeSlots {
    private struct Entry {
        let owner: SessionActor
        var busy: Bool
        var lastUsed: Date
    }

    private var live: [SessionKey: Entry] = [:]
    private let limit: Int
    private let now: @Sendable () -> Date
    private let metrics: ControlPlaneMetrics

    init(limit: Int, now: @escaping @Sendable () -> Date, metrics: ControlPlaneMetrics) {
        self.limit = max(1, limit)
        self.now = now
        self.metrics = metrics
    }

    var liveCount: Int { live.count }
    func isLive(_ key: SessionKey) -> Bool { live[key] != nil }

    /// Takes (or keeps) the slot of `owner` and marks it busy, evicting an idle runtime when full.
    func acquire(_ key: SessionKey, owner: SessionActor) async throws(ACPError) {
        if live[key] != nil {
            live[key]?.busy = true
            live[key]?.lastUsed = now()
            return
        }
        var victim: SessionActor?
        if live.count >= limit {
            guard let lru = live.filter({ !$0.value.busy }).min(by: { $0.value.lastUsed < $1.value.lastUsed }) else {
                throw ACPError(.sessionLimit, message: "too many live agent sessions (\(limit)), all of them busy",
                               detail: "acp.maxConcurrentSessions = \(limit)")
            }
            live[lru.key] = nil
            victim = lru.value.owner
        }
        live[key] = Entry(owner: owner, busy: true, lastUsed: now())
        metrics.runtimesLive(live.count)
        if let victimActor = victim {
            // The slot moved to `key` already; the victim gives its runtime up unless it started a
            // turn meanwhile (then it took a slot of its own through `acquire`).
            await victimActor.evictRuntime(reason: .evicted)
        }
    }

    /// The turn of `key` ended; its runtime stays live and becomes evictable.
    func idle(_ key: SessionKey) {
        live[key]?.busy = false
        live[key]?.lastUsed = now()
    }

    /// The runtime of `key` is gone (closed, crashed, evicted).
    func release(_ key: SessionKey) {
        if live.removeValue(forKey: key) != nil { metrics.runtimesLive(live.count) }
    }

    /// Removes and returns the idle runtimes unused since `cutoff`; the caller evicts them.
    func takeExpired(before cutoff: Date) -> [SessionActor] {
        let expired = live.filter { !$0.value.busy && $0.value.lastUsed < cutoff }
        for key in expired.keys { live[key] = nil }
        if !expired.isEmpty { metrics.runtimesLive(live.count) }
        return expired.values.map(\.owner)
    }
}
