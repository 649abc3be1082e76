import ACPControlPlane
import Synchronization

/// One inbound message on its way to the router, with where its outcome goes: the http channel
/// answers the POST with it, a poller advances its cursor only after it (the update's effects are
/// committed by then).
///
/// `complete` takes effect once; later calls are ignored. An `Inbound` dropped without being
/// completed (its channel closed before the router read it, the router stopped) completes with
/// nil, so a waiting sender is never left hanging.
public struct Inbound: Sendable {
    /// The normalised message.
    public let message: InboundMessage
    /// Where the router handles it; nil: on its conversation's executor (`TaskAffinity`).
    public let executor: (any TaskExecutor)?
    private let receipt: Receipt?

    /// An inbound message; `onHandled` (if any) is called once, with the router's outcome or nil
    /// when the message was never handled. `executor`: where to handle it (the http channel
    /// passes the event loop of the request's connection, which answers it).
    public init(_ message: InboundMessage, executor: (any TaskExecutor)? = nil,
                onHandled: (@Sendable (InboundOutcome?) -> Void)? = nil) {
        self.message = message
        self.executor = executor
        receipt = onHandled.map(Receipt.init)
    }

    /// Reports what the router did with the message.
    public func complete(_ outcome: InboundOutcome?) {
        receipt?.fire(outcome)
    }

    /// Calls its callback once: at `fire`, or with nil when the last copy of the `Inbound` goes away.
    private final class Receipt: Sendable {
        private let callback: Mutex<(@Sendable (InboundOutcome?) -> Void)?>

        init(_ callback: @escaping @Sendable (InboundOutcome?) -> Void) {
            self.callback = Mutex(callback)
        }

        func fire(_ outcome: InboundOutcome?) {
            let pending = callback.withLock { current -> (@Sendable (InboundOutcome?) -> Void)? in
                defer { current = nil }
                return current
            }
            pending?(outcome)
        }

        deinit { fire(nil) }
    }
}

/// A channel's inbound side: the stream the router reads, and the ways a channel puts messages
/// into it. Closing it ends the stream after the messages already in it (the router still
/// handles those); a message offered after that is completed with nil at once.
public final class InboundQueue: Sendable {
    /// What the router reads.
    public let stream: AsyncStream<Inbound>
    private let continuation: AsyncStream<Inbound>.Continuation
    private let open = Mutex(true)

    /// An open queue.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Inbound.self)
    }

    /// Whether messages are still taken.
    public var isOpen: Bool { open.withLock { $0 } }

    /// Hands `message` to the router and returns its outcome once handled; nil when the queue is
    /// closed (shutdown) or the message could not be handled.
    public func submit(_ message: InboundMessage, executor: (any TaskExecutor)? = nil) async -> InboundOutcome? {
        await withCheckedContinuation { (waiter: CheckedContinuation<InboundOutcome?, Never>) in
            offer(message, executor: executor) { waiter.resume(returning: $0) }
        }
    }

    /// Hands `message` to the router without waiting; `onHandled` is called once, with nil when
    /// the queue is closed. Returns false when it was closed.
    @discardableResult
    public func offer(_ message: InboundMessage, executor: (any TaskExecutor)? = nil,
                      onHandled: @escaping @Sendable (InboundOutcome?) -> Void) -> Bool {
        let inbound = Inbound(message, executor: executor, onHandled: onHandled)
        guard isOpen else {
            inbound.complete(nil)
            return false
        }
        if case .terminated = continuation.yield(inbound) {
            inbound.complete(nil)
            return false
        }
        return true
    }

    /// Stops taking messages; the stream ends after those already in it.
    public func close() {
        open.withLock { $0 = false }
        continuation.finish()
    }
}
