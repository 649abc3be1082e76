import ChatDiscord
import JSONKit
import Testing

/// The gateway protocol as a state machine: every input in every state it matters in.
@Suite("discord gateway state machine")
struct GatewayStateMachineTests {
    static let interval = Duration.milliseconds(41_250)
    static let ready: JSONValue = ["session_id": "s-1", "resume_gateway_url": "wss://resume.example", "v": 10]

    /// A machine that connected, got HELLO and identified (READY not yet received).
    static func identified(jitter: Double = 0.5) -> GatewayStateMachine {
        var machine = GatewayStateMachine()
        _ = machine.start()
        _ = machine.socketOpened(heartbeatJitter: jitter)
        _ = machine.receive(.hello(heartbeatInterval: interval))
        return machine
    }

    /// A machine with a ready session at sequence 1.
    static func readyMachine() -> GatewayStateMachine {
        var machine = identified()
        _ = machine.receive(.dispatch(sequence: 1, name: "READY", data: ready))
        return machine
    }

    @Test("start connects for a new session; a second start does nothing")
    func start() {
        var machine = GatewayStateMachine()
        #expect(machine.start() == [.connect(.identify, after: .zero)])
        #expect(machine.state == .connecting)
        #expect(machine.start() == [])
    }

    @Test("HELLO identifies with acpd's intents and starts heartbeats after interval × jitter", arguments: [0.0, 0.25, 1.0])
    func helloIdentifies(jitter: Double) {
        var machine = GatewayStateMachine()
        _ = machine.start()
        #expect(machine.socketOpened(heartbeatJitter: jitter) == [])
        #expect(machine.state == .awaitingHello)
        let actions = machine.receive(.hello(heartbeatInterval: Self.interval))
        #expect(actions == [.startHeartbeat(firstAfter: Self.interval * jitter, every: Self.interval), .send(.identify(intents: .acpd))])
        #expect(machine.state == .identifying)
    }

    @Test("the intents are GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES and MESSAGE_CONTENT (37377)")
    func intents() {
        #expect(GatewayIntents.acpd.rawValue == 1 + 512 + 4096 + 32768)
        let payload = GatewayCommand.identify(intents: .acpd).payload(token: "T")
        #expect(payload["op"] == 2)
        #expect(payload["d"]?["intents"] == 37377)
        #expect(payload["d"]?["token"] == "T")
    }

    @Test("a HELLO outside awaitingHello is ignored")
    func strayHello() {
        var machine = Self.readyMachine()
        #expect(machine.receive(.hello(heartbeatInterval: Self.interval)) == [])
        #expect(machine.state == .ready)
    }

    @Test("READY stores the session and the sequence, delivers READY, then reports ready")
    func ready() {
        var machine = Self.identified()
        let actions = machine.receive(.dispatch(sequence: 1, name: "READY", data: Self.ready))
        #expect(actions == [.deliver(name: "READY", data: Self.ready), .ready(sessionId: "s-1")])
        #expect(machine.state == .ready)
        #expect(machine.session == .init(id: "s-1", resumeURL: "wss://resume.example"))
        #expect(machine.sequence == 1)
    }

    @Test("dispatches are delivered and the sequence only moves forward")
    func dispatchSequence() {
        var machine = Self.readyMachine()
        #expect(machine.receive(.dispatch(sequence: 5, name: "MESSAGE_CREATE", data: ["id": "1"])) == [.deliver(name: "MESSAGE_CREATE", data: ["id": "1"])])
        #expect(machine.sequence == 5)
        _ = machine.receive(.dispatch(sequence: 3, name: "MESSAGE_CREATE", data: ["id": "2"]))
        #expect(machine.sequence == 5)
        _ = machine.receive(.dispatch(sequence: nil, name: "X", data: .null))
        #expect(machine.sequence == 5)
    }

    @Test("heartbeats carry the last sequence; an ACK clears the wait; a beat without an ACK since the last one is a zombie: close 4900 and resume")
    func heartbeatsAndZombie() {
        var machine = Self.readyMachine()
        #expect(machine.heartbeatDue() == [.send(.heartbeat(sequence: 1))])
        #expect(machine.awaitingAck)
        #expect(machine.receive(.heartbeatAck) == [])
        #expect(!machine.awaitingAck)
        _ = machine.receive(.dispatch(sequence: 2, name: "TYPING_START", data: .null))
        #expect(machine.heartbeatDue() == [.send(.heartbeat(sequence: 2))])
        // No ACK before the next beat.
        #expect(machine.heartbeatDue() == [.stopHeartbeat, .close(code: 4900)])
        #expect(machine.state == .closing(.reconnect))
        // The close completes: resume at once on the session's URL.
        #expect(machine.socketClosed(code: 4900, fraction: 0.5) == [.connect(.resume(url: "wss://resume.example"), after: .zero)])
    }

    @Test("no HELLO in time: close 4900 and reconnect after a backoff; a late timeout after HELLO does nothing")
    func helloTimeout() {
        var machine = GatewayStateMachine()
        _ = machine.start()
        _ = machine.socketOpened(heartbeatJitter: 0)
        #expect(machine.helloTimedOut() == [.stopHeartbeat, .close(code: 4900)])
        #expect(machine.socketClosed(code: nil, fraction: 1) == [.connect(.identify, after: .seconds(1))])
        _ = machine.socketOpened(heartbeatJitter: 0)
        _ = machine.receive(.hello(heartbeatInterval: Self.interval))
        #expect(machine.helloTimedOut() == [])
        #expect(machine.state == .identifying)
    }

    @Test("a heartbeat request (op 1) is answered at once")
    func heartbeatRequest() {
        var machine = Self.readyMachine()
        #expect(machine.receive(.heartbeatRequest) == [.send(.heartbeat(sequence: 1))])
    }

    @Test("after HELLO on a new socket with a session, RESUME carries the session id and the last sequence; replayed events are delivered; RESUMED makes it ready")
    func resume() {
        var machine = Self.readyMachine()
        _ = machine.receive(.dispatch(sequence: 7, name: "MESSAGE_CREATE", data: .null))
        // Dropped without a close frame.
        let reconnect = machine.socketClosed(code: nil, fraction: 0)
        #expect(reconnect == [.stopHeartbeat, .connect(.resume(url: "wss://resume.example"), after: .milliseconds(500))])
        _ = machine.socketOpened(heartbeatJitter: 0)
        #expect(machine.receive(.hello(heartbeatInterval: Self.interval))
            == [.startHeartbeat(firstAfter: .zero, every: Self.interval), .send(.resume(sessionId: "s-1", sequence: 7))])
        #expect(machine.state == .resuming)
        #expect(machine.receive(.dispatch(sequence: 8, name: "MESSAGE_CREATE", data: ["id": "8"])) == [.deliver(name: "MESSAGE_CREATE", data: ["id": "8"])])
        #expect(machine.receive(.dispatch(sequence: 9, name: "RESUMED", data: .null)) == [.resumed])
        #expect(machine.state == .ready)
        #expect(machine.sequence == 9)
        #expect(machine.failures == 0)
    }

    @Test("RECONNECT (op 7) closes with 4900 and resumes at once")
    func reconnect() {
        var machine = Self.readyMachine()
        #expect(machine.receive(.reconnect) == [.stopHeartbeat, .close(code: 4900)])
        #expect(machine.socketClosed(code: 1006, fraction: 0) == [.connect(.resume(url: "wss://resume.example"), after: .zero)])
    }

    @Test("RECONNECT before a connection got ready backs off instead of spinning")
    func reconnectLoop() {
        var machine = Self.readyMachine()
        _ = machine.receive(.reconnect)
        _ = machine.socketClosed(code: nil, fraction: 0)
        _ = machine.socketOpened(heartbeatJitter: 0)
        _ = machine.receive(.hello(heartbeatInterval: Self.interval))
        _ = machine.receive(.reconnect)
        #expect(machine.socketClosed(code: nil, fraction: 1) == [.connect(.resume(url: "wss://resume.example"), after: .seconds(1))])
    }

    @Test("INVALID_SESSION resumable resumes; not resumable forgets the session and identifies after 1-5 s", arguments: [0.0, 0.5, 1.0])
    func invalidSession(fraction: Double) {
        var resumable = Self.readyMachine()
        #expect(resumable.receive(.invalidSession(resumable: true)) == [.stopHeartbeat, .close(code: 4900)])
        #expect(resumable.socketClosed(code: nil, fraction: fraction) == [.connect(.resume(url: "wss://resume.example"), after: .zero)])

        var gone = Self.readyMachine()
        #expect(gone.receive(.invalidSession(resumable: false)) == [.stopHeartbeat, .close(code: 4900)])
        #expect(gone.session == nil)
        #expect(gone.sequence == nil)
        #expect(gone.socketClosed(code: nil, fraction: fraction) == [.connect(.identify, after: .seconds(1) + .seconds(4) * fraction)])
        _ = gone.socketOpened(heartbeatJitter: 0)
        #expect(gone.receive(.hello(heartbeatInterval: Self.interval)).last == .send(.identify(intents: .acpd)))
    }

    @Test("fatal close codes stop the machine with their failure", arguments: [
        (UInt16(4004), GatewayFailure.authenticationFailed), (4014, .disallowedIntents), (4013, .invalidIntents),
        (4010, .sharding(code: 4010)), (4011, .sharding(code: 4011)), (4012, .invalidAPIVersion),
    ])
    func fatalCloses(code: UInt16, failure: GatewayFailure) {
        var machine = Self.identified()
        #expect(machine.socketClosed(code: code, fraction: 0.5) == [.stopHeartbeat, .fail(failure)])
        #expect(machine.state == .failed(failure))
        #expect(machine.isFinished)
        #expect(machine.socketClosed(code: nil, fraction: 0.5) == [])
        #expect(machine.heartbeatDue() == [])
        #expect(failure.closeCode == code)
    }

    @Test("4014's fix names the Message Content intent in the developer portal")
    func disallowedIntentsFix() {
        let fix = GatewayFailure.disallowedIntents.fix(account: "default")
        #expect(fix.contains("Message Content"))
        #expect(fix.contains("developer portal"))
    }

    @Test("4007 and 4009 need a new session: identify after the backoff")
    func newSessionCloses() {
        for code: UInt16 in [4007, 4009] {
            var machine = Self.readyMachine()
            #expect(machine.socketClosed(code: code, fraction: 1) == [.stopHeartbeat, .connect(.identify, after: .seconds(1))])
            #expect(machine.session == nil)
        }
    }

    @Test("other closes resume with a backoff that doubles while connections fail before READY, and resets after READY")
    func backoffGrows() {
        var machine = Self.readyMachine()
        #expect(machine.socketClosed(code: 4000, fraction: 1) == [.stopHeartbeat, .connect(.resume(url: "wss://resume.example"), after: .seconds(1))])
        // The connect fails before the socket opens: 2 s, then 4 s.
        #expect(machine.socketClosed(code: nil, fraction: 1) == [.connect(.resume(url: "wss://resume.example"), after: .seconds(2))])
        #expect(machine.socketClosed(code: nil, fraction: 1) == [.connect(.resume(url: "wss://resume.example"), after: .seconds(4))])
        _ = machine.socketOpened(heartbeatJitter: 0)
        #expect(machine.socketClosed(code: nil, fraction: 1) == [.connect(.resume(url: "wss://resume.example"), after: .seconds(8))])
        _ = machine.socketOpened(heartbeatJitter: 0)
        _ = machine.receive(.hello(heartbeatInterval: Self.interval))
        _ = machine.receive(.dispatch(sequence: 2, name: "RESUMED", data: .null))
        #expect(machine.failures == 0)
        #expect(machine.socketClosed(code: nil, fraction: 1) == [.stopHeartbeat, .connect(.resume(url: "wss://resume.example"), after: .seconds(1))])
    }

    @Test("a close before any READY identifies again (there is no session to resume)")
    func closeBeforeReady() {
        var machine = Self.identified()
        #expect(machine.socketClosed(code: 1006, fraction: 0) == [.stopHeartbeat, .connect(.identify, after: .milliseconds(500))])
    }

    @Test("stop closes an open socket with 1000 and connects no more; stop while connecting just stops")
    func stop() {
        var open = Self.readyMachine()
        #expect(open.stop() == [.stopHeartbeat, .close(code: 1000)])
        #expect(open.state == .stopped)
        #expect(open.socketClosed(code: 1000, fraction: 0) == [])
        #expect(open.stop() == [])

        var connecting = GatewayStateMachine()
        _ = connecting.start()
        #expect(connecting.stop() == [])
        #expect(connecting.isFinished)
        #expect(connecting.socketOpened(heartbeatJitter: 0) == [])
    }

    @Test("dispatches and heartbeats before HELLO or while closing are ignored")
    func ignoredInputs() {
        var machine = GatewayStateMachine()
        _ = machine.start()
        _ = machine.socketOpened(heartbeatJitter: 0)
        #expect(machine.receive(.dispatch(sequence: 1, name: "MESSAGE_CREATE", data: .null)) == [])
        #expect(machine.heartbeatDue() == [])
        var closing = Self.readyMachine()
        _ = closing.receive(.reconnect)
        #expect(closing.receive(.dispatch(sequence: 2, name: "MESSAGE_CREATE", data: .null)) == [])
        #expect(closing.heartbeatDue() == [])
        #expect(closing.receive(.reconnect) == [])
        #expect(closing.receive(.invalidSession(resumable: false)) == [])
    }

    @Test("property: over random input sequences the sequence never decreases, a connect follows every unplanned close, and a failed machine stays failed")
    func randomInputs() {
        var generator = SplitMix(seed: 42)
        for _ in 0..<200 {
            var machine = GatewayStateMachine()
            _ = machine.start()
            var lastSequence: Int64 = -1
            var nextSequence: Int64 = 1
            for _ in 0..<60 {
                let before = machine.state
                let actions: [GatewayAction]
                switch generator.next() % 9 {
                case 0: actions = machine.socketOpened(heartbeatJitter: 0.5)
                case 1: actions = machine.receive(.hello(heartbeatInterval: Self.interval))
                case 2:
                    actions = machine.receive(.dispatch(sequence: nextSequence, name: nextSequence == 1 ? "READY" : "MESSAGE_CREATE", data: Self.ready))
                    nextSequence += 1
                case 3: actions = machine.receive(.heartbeatAck)
                case 4: actions = machine.heartbeatDue()
                case 5: actions = machine.receive(.reconnect)
                case 6: actions = machine.receive(.invalidSession(resumable: generator.next() % 2 == 0))
                case 7: actions = machine.socketClosed(code: [nil, 1006, 4000, 4007, 4004][Int(generator.next() % 5)], fraction: 0.5)
                default: actions = machine.receive(.heartbeatRequest)
                }
                if let sequence = machine.sequence {
                    #expect(sequence >= lastSequence || machine.session == nil)
                    lastSequence = sequence
                } else {
                    lastSequence = -1
                }
                if case .failed = before { #expect(actions.isEmpty) }
                if case .failed = machine.state { continue }
                if machine.state == .connecting, before != .connecting {
                    #expect(actions.contains { if case .connect = $0 { true } else { false } }, "\(before) → \(actions)")
                }
            }
        }
    }
}

/// A small seeded generator for the property test.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
