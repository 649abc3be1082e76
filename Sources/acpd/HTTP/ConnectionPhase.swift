/// Where one HTTP/1 connection of the API is, for the header timeout (`api.headerTimeoutSeconds`),
/// the connection limit and clients that left. Idle connections are closed by Hummingbird's idle
/// timeout (`api.idleTimeoutSeconds`); this machine adds what it lacks: a bound on how long a
/// request head may take once it has begun (a slow-header client otherwise only meets the idle
/// timeout, and only if it sends nothing at all), and the end of a streamed response (an event
/// stream) whose client has closed its side, which would otherwise hold its slot until the next
/// event fails to be written.
struct ConnectionPhase: Equatable, Sendable {
    enum Stage: Equatable, Sendable {
        /// Just accepted, or kept alive and the next request's first bytes arrived: the head must
        /// be complete before the header timer fires.
        case awaitingHead
        /// `count` request heads were read whose responses have not ended.
        case inRequest(count: Int)
        /// Between requests, nothing of the next one received yet (the idle timeout applies).
        case keptAlive
    }

    var stage = Stage.awaitingHead
    /// A response head was written and its end not yet.
    var responding = false
    /// The client closed its sending side (EOF).
    var inputClosed = false

    enum Event: Equatable, Sendable {
        /// Bytes arrived from the client (before they are parsed).
        case bytesArrived
        /// A request head was parsed.
        case headRead
        /// A response head was written.
        case responseStarted
        /// A response's last part was written.
        case responseEnded
        /// The client closed its sending side.
        case inputClosed
        /// The header timer fired.
        case headerTimerFired
    }

    enum Action: Equatable, Sendable {
        case armHeaderTimer
        case cancelHeaderTimer
        /// Tell the limiter the connection serves a request now.
        case requestStarted
        /// Tell the limiter the connection waits for a request again.
        case requestsFinished
        case close
    }

    /// The next state and the actions to perform, in order. No side effects.
    func applying(_ event: Event) -> (phase: ConnectionPhase, actions: [Action]) {
        var next = self
        var actions: [Action] = []
        switch (stage, event) {
        case (.awaitingHead, .headRead):
            next.stage = .inRequest(count: 1)
            actions = [.cancelHeaderTimer, .requestStarted]
        case (.awaitingHead, .headerTimerFired):
            actions = [.close]
        case (.inRequest(let count), .headRead):
            next.stage = .inRequest(count: count + 1)
        case (.inRequest(let count), .responseEnded):
            next.responding = false
            if count > 1 {
                next.stage = .inRequest(count: count - 1)
            } else {
                next.stage = .keptAlive
                actions = [.requestsFinished]
            }
        case (.inRequest, .responseStarted):
            next.responding = true
            // A response streams to a client that has already gone: nobody reads it.
            if inputClosed { actions = [.close] }
        case (.inRequest, .inputClosed):
            next.inputClosed = true
            // Closing before the response starts would drop the answer of a client that only
            // half-closed after its request; once a response streams, the client is gone.
            if responding { actions = [.close] }
        case (.keptAlive, .bytesArrived):
            next.stage = .awaitingHead
            actions = [.armHeaderTimer]
        // A pipelined head already buffered when the previous response ended.
        case (.keptAlive, .headRead):
            next.stage = .inRequest(count: 1)
            actions = [.requestStarted]
        case (_, .inputClosed):
            // Waiting for a request: Hummingbird ends the connection when its input ends.
            next.inputClosed = true
        case (.awaitingHead, .bytesArrived), (.awaitingHead, .responseStarted), (.awaitingHead, .responseEnded),
             (.inRequest, .bytesArrived), (.inRequest, .headerTimerFired),
             (.keptAlive, .responseStarted), (.keptAlive, .responseEnded), (.keptAlive, .headerTimerFired):
            break
        }
        return (next, actions)
    }
}
