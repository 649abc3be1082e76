#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Fans committed events out to live subscribers. Events reach the hub only after they are
/// committed, in commit order per session. A subscriber that is slower than the producers
/// buffers without bound (the events are in the store anyway; nothing is dropped silently).
final class EventHub: Sendable {
    private struct Subscriber {
        let session: SessionKey?
        let continuation: AsyncStream<ControlPlaneEvent>.Continuation
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextId = Atomic<UInt64>(0)

    /// A stream of the events of `session` (nil: every session) committed from now on.
    func subscribe(session: SessionKey?) -> AsyncStream<ControlPlaneEvent> {
        let id = nextId.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<ControlPlaneEvent>.makeStream(bufferingPolicy: .unbounded)
        subscribers.withLock { $0[id] = Subscriber(session: session, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ events: [ControlPlaneEvent]) {
        guard !events.isEmpty else { return }
        let targets = subscribers.withLock { Array($0.values) }
        for subscriber in targets {
            for event in events where subscriber.session == nil || subscriber.session == event.sessionKey {
                subscriber.continuation.yield(event)
            }
        }
    }

    /// Ends every stream (shutdown).
    func finishAll() {
        let all = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for subscriber in all { subscriber.continuation.finish() }
    }
}
