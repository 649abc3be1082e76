import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// The runtime bindings of the store, for the expiry sweeper. Implemented by the control plane's store.
public protocol RuntimeBindingStore: Sendable {
    /// Every active (not ended) runtime binding. The store keeps `lastActivityAt` current: it is
    /// set on every inbound message routed through the binding and every delivery to it.
    func activeRuntimeBindings() async throws -> [RuntimeBinding]
    /// Ends `binding` only if it is still active with the same session and the same
    /// `lastActivityAt` (so traffic that arrived after it was listed keeps it alive). Returns true
    /// when this call ended it, false when it had changed or was already ended.
    func endExpiredRuntimeBinding(_ binding: RuntimeBinding, reason: RuntimeBindingExpiry.Reason) async throws -> Bool
}

/// Tells a conversation something outside any command or run (delivered by its channel).
public protocol ConversationNotifier: Sendable {
    /// Sends `text` to `conversation`; failures are the notifier's to log (it is not retried).
    func notify(_ conversation: ConversationRef, text: String) async
}

/// The time source of the sweeper, injectable for tests.
public protocol SweepClock: Sendable {
    func now() -> Date
    /// Suspends for `seconds`; throws `CancellationError` when the task is cancelled.
    func sleep(seconds: Double) async throws
}

/// The real clock.
public struct SystemSweepClock: SweepClock {
    /// The real clock.
    public init() {}
    /// Now.
    public func now() -> Date { Date() }
    /// `WatchdogTimer.sleep` (in `acpd run`, an event loop timer); throws when cancelled.
    public func sleep(seconds: Double) async throws { try await WatchdogTimer.sleep(for: .seconds(seconds)) }
}

/// Ends expired runtime bindings: every `interval` it lists them, ends each expired one in the
/// store (compare-and-set) and tells its conversation once — only when this sweep ended it.
public struct RuntimeBindingSweeper: Sendable {
    let store: any RuntimeBindingStore
    let notifier: any ConversationNotifier
    let policy: @Sendable () async -> RuntimeBindingPolicy
    let clock: any SweepClock
    let interval: Double
    let logger: Logger

    /// `policy` is read at every sweep, so a config reload takes effect without a restart.
    public init(store: any RuntimeBindingStore, notifier: any ConversationNotifier,
                policy: @escaping @Sendable () async -> RuntimeBindingPolicy,
                clock: any SweepClock = SystemSweepClock(), intervalSeconds: Double = 60,
                logger: Logger = Logger(label: "acpd.bindings.expiry")) {
        self.store = store
        self.notifier = notifier
        self.policy = policy
        self.clock = clock
        self.interval = intervalSeconds
        self.logger = logger
    }

    /// One sweep at the clock's now; returns the bindings this sweep ended.
    @discardableResult
    public func sweep() async -> [RuntimeBindingExpiry.Expired] {
        let policy = await policy()
        let bindings: [RuntimeBinding]
        do {
            bindings = try await store.activeRuntimeBindings()
        } catch {
            logger.error("runtime binding sweep: cannot list bindings", metadata: ["error": "\(error)"])
            return []
        }
        var ended: [RuntimeBindingExpiry.Expired] = []
        for expired in RuntimeBindingExpiry.expired(bindings, at: clock.now(), policy: policy) {
            do {
                guard try await store.endExpiredRuntimeBinding(expired.binding, reason: expired.reason) else { continue }
            } catch {
                logger.error("runtime binding sweep: cannot end binding", metadata: [
                    "conversation": "\(expired.binding.conversation.canonical)", "error": "\(error)",
                ])
                continue
            }
            logger.info("runtime binding expired", metadata: [
                "conversation": "\(expired.binding.conversation.canonical)",
                "session": "\(expired.binding.sessionKey)", "reason": "\(expired.reason.rawValue)",
            ])
            await notifier.notify(expired.binding.conversation, text: RuntimeBindingExpiry.notice(for: expired, policy: policy))
            ended.append(expired)
        }
        return ended
    }

    /// Sweeps, then sleeps `interval`, until the task is cancelled (returns normally then).
    public func run() async {
        while !Task.isCancelled {
            await sweep()
            do { try await clock.sleep(seconds: interval) } catch { return }
        }
    }
}
