import JSONKit

/// Where a new gateway connection goes.
public enum GatewayTarget: Sendable, Equatable {
    /// A new session: the connection asks `GET /gateway/bot` for the URL (and waits out an
    /// exhausted `session_start_limit`), then identifies.
    case identify
    /// The session's `resume_gateway_url`, to resume.
    case resume(url: String)
}

/// What the gateway connection must do; the state machine only decides, `GatewayConnection` acts.
public enum GatewayAction: Sendable, Equatable {
    /// Open a socket to `target` once `after` has passed.
    case connect(GatewayTarget, after: Duration)
    /// Write a payload.
    case send(GatewayCommand)
    /// Heartbeat once after `firstAfter` (the HELLO interval × a random fraction), then every `every`:
    /// each beat is a `heartbeatDue()` input.
    case startHeartbeat(firstAfter: Duration, every: Duration)
    /// Stop the heartbeat timer of the current socket.
    case stopHeartbeat
    /// Close the socket with `code` (anything but 1000/1001 keeps the session resumable); a
    /// `socketClosed` input follows.
    case close(code: UInt16)
    /// Hand a dispatch to the channel.
    case deliver(name: String, data: JSONValue)
    /// A new session is ready (READY).
    case ready(sessionId: String)
    /// The session was resumed (RESUMED): the missed events were replayed before it.
    case resumed
    /// Stop for good: nothing reconnects.
    case fail(GatewayFailure)
}

/// The Discord gateway protocol as a pure state machine (in the style of postgres-nio's
/// connection state machine): each input is a `mutating` function returning the actions to
/// perform, in order; it performs no I/O and reads no clock or random source (callers pass the
/// random fractions in), so every transition is unit-tested.
///
/// HELLO → IDENTIFY (or RESUME when a session exists) and heartbeats with an initial jitter; a
/// heartbeat due while the previous one was not acknowledged means a zombie connection: close
/// (code 4900, which keeps the session) and resume. RECONNECT (op 7) and a resumable INVALID_SESSION
/// resume; a non-resumable one identifies anew after 1-5 s. Close codes 4004/4010-4014 are fatal;
/// 4007/4009 need a new session; anything else (and a socket dropped without a close frame)
/// resumes after a backoff that grows while connections fail before READY/RESUMED.
public struct GatewayStateMachine: Sendable {
    /// What happens once the socket we closed is closed.
    public enum Plan: Sendable, Equatable {
        /// Resume if there is a session, else identify: at once.
        case reconnect
        /// Identify anew after a random 1-5 s (a non-resumable INVALID_SESSION).
        case identifyAfterInvalidSession
    }

    /// Where the connection stands.
    public enum State: Sendable, Equatable {
        /// Not started.
        case idle
        /// A `connect` was issued; the socket is not open yet.
        case connecting
        /// Open; waiting for HELLO.
        case awaitingHello
        /// IDENTIFY sent; waiting for READY.
        case identifying
        /// RESUME sent; replayed events arrive, then RESUMED.
        case resuming
        /// READY or RESUMED received: events flow.
        case ready
        /// We closed the socket; once closed, `Plan` follows.
        case closing(Plan)
        /// Stopped by a fatal close.
        case failed(GatewayFailure)
        /// Stopped on request.
        case stopped

        /// Whether nothing will connect any more (failed or stopped).
        public var isStopped: Bool {
            switch self {
            case .failed, .stopped: true
            default: false
            }
        }
    }

    /// The session to resume.
    public struct Session: Sendable, Equatable {
        public var id: String
        public var resumeURL: String

        /// A session `id` resumable at `resumeURL`.
        public init(id: String, resumeURL: String) {
            self.id = id
            self.resumeURL = resumeURL
        }
    }

    /// The close code acpd uses to leave a connection it wants to resume (not 1000/1001, which
    /// end the session).
    public static let resumeCloseCode: UInt16 = 4900

    public private(set) var state: State = .idle
    public private(set) var session: Session?
    /// The last sequence number received.
    public private(set) var sequence: Int64?
    /// Whether a heartbeat was sent and not acknowledged yet.
    public private(set) var awaitingAck = false
    /// Connections in a row that ended before READY/RESUMED (or unplanned).
    public private(set) var failures = 0
    private var heartbeatJitter = 0.5
    /// Whether the current socket reached READY/RESUMED.
    private var connectionReady = false
    private let backoff: ReconnectBackoff
    private let intents: GatewayIntents

    /// A machine identifying with `intents`, reconnecting after `backoff`.
    public init(intents: GatewayIntents = .acpd, backoff: ReconnectBackoff = ReconnectBackoff()) {
        self.intents = intents
        self.backoff = backoff
    }

    /// Whether the machine has stopped for good (failed or stopped).
    public var isFinished: Bool { state.isStopped }

    // MARK: Inputs

    /// Starts: connect for a new session.
    public mutating func start() -> [GatewayAction] {
        guard state == .idle else { return [] }
        state = .connecting
        return [.connect(.identify, after: .zero)]
    }

    /// The socket opened; `heartbeatJitter` (0...1) scales the first heartbeat's delay.
    public mutating func socketOpened(heartbeatJitter: Double) -> [GatewayAction] {
        guard state == .connecting else { return [] }
        self.heartbeatJitter = min(max(heartbeatJitter, 0), 1)
        connectionReady = false
        state = .awaitingHello
        return []
    }

    /// A frame arrived.
    public mutating func receive(_ frame: GatewayFrame) -> [GatewayAction] {
        switch frame {
        case .hello(let interval):
            guard state == .awaitingHello else { return [] }
            awaitingAck = false
            let heartbeat = GatewayAction.startHeartbeat(firstAfter: interval * heartbeatJitter, every: interval)
            if let session {
                state = .resuming
                return [heartbeat, .send(.resume(sessionId: session.id, sequence: sequence))]
            }
            state = .identifying
            return [heartbeat, .send(.identify(intents: intents))]
        case .heartbeatAck:
            awaitingAck = false
            return []
        case .heartbeatRequest:
            guard isOpen else { return [] }
            return [.send(.heartbeat(sequence: sequence))]
        case .dispatch(let number, let name, let data):
            guard state == .identifying || state == .resuming || state == .ready else { return [] }
            if let number { sequence = max(sequence ?? number, number) }
            switch name {
            case "READY":
                guard let id = data["session_id"]?.stringValue, let url = data["resume_gateway_url"]?.stringValue else {
                    // A READY without a session cannot be resumed later: go on, identify next time.
                    session = nil
                    becomeReady()
                    return [.deliver(name: name, data: data)]
                }
                session = Session(id: id, resumeURL: url)
                becomeReady()
                return [.deliver(name: name, data: data), .ready(sessionId: id)]
            case "RESUMED":
                becomeReady()
                return [.resumed]
            default:
                return [.deliver(name: name, data: data)]
            }
        case .reconnect:
            return closeForReconnect(.reconnect)
        case .invalidSession(let resumable):
            guard isOpen else { return [] }
            if resumable { return closeForReconnect(.reconnect) }
            session = nil
            sequence = nil
            return closeForReconnect(.identifyAfterInvalidSession)
        case .other:
            return []
        }
    }

    /// No HELLO came within the connection's wait after the socket opened (a half-open socket
    /// sends nothing, and there are no heartbeats yet to find out): close it and reconnect.
    public mutating func helloTimedOut() -> [GatewayAction] {
        guard state == .awaitingHello else { return [] }
        return closeForReconnect(.reconnect)
    }

    /// The heartbeat timer fired.
    public mutating func heartbeatDue() -> [GatewayAction] {
        guard state == .identifying || state == .resuming || state == .ready else { return [] }
        if awaitingAck {
            // Zombie: the last heartbeat was never acknowledged.
            return closeForReconnect(.reconnect)
        }
        awaitingAck = true
        return [.send(.heartbeat(sequence: sequence))]
    }

    /// The socket closed with `code` (nil: dropped without a close frame, or it never opened).
    /// `fraction` (0...1) is the random part of the backoff.
    public mutating func socketClosed(code: UInt16?, fraction: Double) -> [GatewayAction] {
        switch state {
        case .idle, .failed, .stopped:
            return []
        case .closing(let plan):
            awaitingAck = false
            switch plan {
            case .reconnect:
                // At once after a working connection; after a backoff when connections keep
                // ending before READY/RESUMED (a RECONNECT loop must not spin).
                state = .connecting
                failures = connectionReady ? 0 : failures + 1
                connectionReady = false
                let wait = failures == 0 ? Duration.zero : backoff.delay(attempt: failures, fraction: fraction)
                return [.connect(target, after: wait)]
            case .identifyAfterInvalidSession:
                state = .connecting
                connectionReady = false
                let wait = Duration.seconds(1) + .seconds(4) * min(max(fraction, 0), 1)
                return [.connect(.identify, after: wait)]
            }
        case .connecting, .awaitingHello, .identifying, .resuming, .ready:
            let wasReady = connectionReady
            connectionReady = false
            awaitingAck = false
            var actions: [GatewayAction] = state == .connecting || state == .awaitingHello ? [] : [.stopHeartbeat]
            if let code, let failure = GatewayFailure(closeCode: code) {
                state = .failed(failure)
                return actions + [.fail(failure)]
            }
            if code == 4007 || code == 4009 {
                // Invalid sequence, session timed out: a new session.
                session = nil
                sequence = nil
            }
            failures = wasReady ? 1 : failures + 1
            state = .connecting
            actions.append(.connect(target, after: backoff.delay(attempt: failures, fraction: fraction)))
            return actions
        }
    }

    /// Stops: closes an open socket with 1000 (which ends the session) and connects no more.
    public mutating func stop() -> [GatewayAction] {
        switch state {
        case .awaitingHello, .identifying, .resuming, .ready:
            state = .stopped
            return [.stopHeartbeat, .close(code: 1000)]
        case .closing:
            state = .stopped
            return []
        case .idle, .connecting:
            state = .stopped
            return []
        case .failed, .stopped:
            return []
        }
    }

    // MARK: Helpers

    private mutating func becomeReady() {
        state = .ready
        connectionReady = true
        failures = 0
    }

    private var isOpen: Bool {
        switch state {
        case .awaitingHello, .identifying, .resuming, .ready: true
        default: false
        }
    }

    private var target: GatewayTarget {
        if let session { .resume(url: session.resumeURL) } else { .identify }
    }

    private mutating func closeForReconnect(_ plan: Plan) -> [GatewayAction] {
        guard isOpen else { return [] }
        state = .closing(plan)
        return [.stopHeartbeat, .close(code: Self.resumeCloseCode)]
    }
}
