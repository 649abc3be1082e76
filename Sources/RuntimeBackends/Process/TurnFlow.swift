import ACPControlPlane
import Synchronization

/// Backpressure from a turn's consumer (the session actor iterating `runTurn`'s stream) to the
/// agent's stdout reader: the reader waits (`waitForRoom`) while `high` of the turn's events are
/// yielded and not yet taken, until the consumer is down to `low`. While it waits it reads no
/// more batches, so the stdout producer holds the pipe's reads, the pipe fills and the agent
/// blocks in `write`: a turn streaming faster than its session handles it (a store slower than
/// the agent) is held back at the agent instead of queued in acpd without bound.
///
/// `close` (the turn ended, or its consumer went away) lets the reader go for good.
final class TurnFlow: Sendable {
    static let high = 256
    static let low = 64

    private struct State {
        var outstanding = 0
        var closed = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// An event was yielded to the turn's stream.
    func produced() {
        state.withLock { $0.outstanding += 1 }
    }

    /// The consumer took an event.
    func consumed() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.outstanding -= 1
            guard state.outstanding <= Self.low, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// No more waiting: the turn ended or nobody consumes it any more.
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Events yielded and not yet taken.
    var outstanding: Int {
        state.withLock { $0.outstanding }
    }

    /// Whether the reader should wait now.
    var isFull: Bool {
        state.withLock { !$0.closed && $0.outstanding >= Self.high }
    }

    /// Returns when the consumer is down to `low` events behind, or at `close`. One waiter at a
    /// time (the connection's reader).
    func waitForRoom() async {
        guard isFull else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.closed || state.outstanding <= Self.low { return true }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// A turn's event stream as the connection feeds it (`yield`, `finish`, like the continuation
/// it wraps): every event is counted for `TurnFlow`.
struct TurnSink: Sendable {
    let continuation: AsyncStream<RuntimeEvent>.Continuation
    let flow: TurnFlow

    /// A turn's stream as `runTurn` returns it, pulled through `TurnPull`, and the sink that
    /// feeds it.
    static func makeTurn() -> (stream: AsyncStream<RuntimeEvent>, sink: TurnSink) {
        let (events, continuation) = AsyncStream.makeStream(of: RuntimeEvent.self, bufferingPolicy: .unbounded)
        let flow = TurnFlow()
        let pull = TurnPull(events, flow: flow)
        return (AsyncStream(unfolding: { await pull.next() }), TurnSink(continuation: continuation, flow: flow))
    }

    /// Calls `body` when the consumer stops listening because its task was cancelled (not when
    /// the turn simply ends).
    func onConsumerCancelled(_ body: @escaping @Sendable () -> Void) {
        continuation.onTermination = { termination in
            if case .cancelled = termination { body() }
        }
    }

    func yield(_ event: RuntimeEvent) {
        flow.produced()
        continuation.yield(event)
    }

    func finish() {
        continuation.finish()
        flow.close()
    }
}

/// The consumer's side: the stream `runTurn` returns pulls from the turn's own stream through
/// this, counting what it takes; when the consumer drops the stream, this goes and the reader is
/// let go.
final class TurnPull: @unchecked Sendable {
    // @unchecked: `next` is called by the stream's one consumer, one call at a time.
    private var iterator: AsyncStream<RuntimeEvent>.AsyncIterator
    private let flow: TurnFlow

    init(_ stream: AsyncStream<RuntimeEvent>, flow: TurnFlow) {
        self.iterator = stream.makeAsyncIterator()
        self.flow = flow
    }

    func next() async -> RuntimeEvent? {
        let event = await iterator.next()
        if event != nil { flow.consumed() }
        return event
    }

    deinit {
        flow.close()
    }
}
