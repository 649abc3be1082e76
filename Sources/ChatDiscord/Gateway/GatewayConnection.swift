import JSONKit
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import WSClient

/// The thin I/O loop around `GatewayStateMachine`: opens WebSockets (`WSClient`, frame limit
/// raised well above its 16 KiB default: a GUILD_CREATE is larger), writes what the machine says,
/// runs its heartbeat timer and feeds it every frame, tick and close. Dispatches go out on
/// `events` at once: the loop never waits for what the channel does with them.
///
/// Identifies go through `GET /gateway/bot` (`fetchGateway`): its URL, and an exhausted
/// `session_start_limit` is waited out before identifying. Resumes go to `resume_gateway_url`.
public final class GatewayConnection: Sendable {
    /// Tunables (tests shorten the waits).
    public struct Options: Sendable {
        /// Reconnect backoff after unplanned closes.
        public var backoff: ReconnectBackoff
        /// Largest frame and message accepted (Discord sends guild payloads of several MiB).
        public var maxMessageSize: Int
        /// How long a close handshake may take before the socket is dropped.
        public var closeTimeout: Duration
        /// How long to wait for HELLO after the socket opened.
        public var helloTimeout: Duration

        /// Options; the defaults are Discord's (backoff 1-60 s, 16 MiB messages, 2 s close
        /// handshake, 20 s for HELLO).
        public init(backoff: ReconnectBackoff = ReconnectBackoff(), maxMessageSize: Int = 16 << 20,
                    closeTimeout: Duration = .seconds(2), helloTimeout: Duration = .seconds(20)) {
            self.backoff = backoff
            self.maxMessageSize = maxMessageSize
            self.closeTimeout = closeTimeout
            self.helloTimeout = helloTimeout
        }
    }

    /// One input of the loop; `socket` numbers the connection it came from (stale ones are dropped).
    enum Input: Sendable {
        case opened(socket: Int)
        case frame(socket: Int, GatewayFrame)
        case closed(socket: Int, code: UInt16?)
        case heartbeat(generation: Int)
        case helloTimeout(socket: Int)
        case stop
    }

    /// Dispatches and connection news, in order. Ends when `run()` returns.
    public let events: AsyncStream<GatewayEvent>
    private let eventSink: AsyncStream<GatewayEvent>.Continuation
    private let token: String
    private let intents: GatewayIntents
    private let fetchGateway: @Sendable () async throws -> GatewayBot
    private let options: Options
    private let logger: Logger
    private let writer = Mutex<(socket: Int, writer: WebSocketOutboundWriter)?>(nil)
    private let heartbeatGeneration = Atomic<Int>(0)
    private let current = Mutex(GatewayStateMachine.State.idle)

    /// A connection for bot `token` with `intents`; `fetchGateway` is `GET /gateway/bot` (throwing
    /// a `GatewayFailure` when the account can never connect, e.g. a rejected token).
    public init(token: String, intents: GatewayIntents = .acpd, options: Options = Options(), logger: Logger,
                fetchGateway: @escaping @Sendable () async throws -> GatewayBot) {
        self.token = token
        self.intents = intents
        self.fetchGateway = fetchGateway
        self.options = options
        self.logger = logger
        (events, eventSink) = AsyncStream.makeStream(of: GatewayEvent.self)
    }

    /// Where the machine stands now.
    public var state: GatewayStateMachine.State { current.withLock { $0 } }

    /// Connects and keeps the session alive until cancelled (then closes with 1000) or a fatal
    /// close; then ends `events`.
    public func run() async {
        let (inputs, sink) = AsyncStream.makeStream(of: Input.self)
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                var machine = GatewayStateMachine(intents: intents, backoff: options.backoff)
                var socket = 0
                var actions = machine.start()
                var iterator = inputs.makeAsyncIterator()
                while true {
                    for action in actions {
                        await perform(action, socket: &socket, group: &group, sink: sink)
                    }
                    current.withLock { $0 = machine.state }
                    if machine.isFinished { break }
                    guard let input = await iterator.next() else {
                        // Cancelled (the stream ends at once): close with 1000 on the way out.
                        for action in machine.stop() { await perform(action, socket: &socket, group: &group, sink: sink) }
                        current.withLock { $0 = machine.state }
                        break
                    }
                    switch input {
                    case .opened(let id) where id == socket:
                        actions = machine.socketOpened(heartbeatJitter: Double.random(in: 0...1))
                        group.addTask { [options] in
                            guard (try? await Task.sleep(for: options.helloTimeout)) != nil else { return }
                            sink.yield(.helloTimeout(socket: id))
                        }
                    case .helloTimeout(let id) where id == socket:
                        actions = machine.helloTimedOut()
                    case .frame(let id, let frame) where id == socket:
                        actions = machine.receive(frame)
                    case .closed(let id, let code) where id == socket:
                        writer.withLock { if $0?.socket == id { $0 = nil } }
                        eventSink.yield(.disconnected(code: code))
                        actions = machine.socketClosed(code: code, fraction: Double.random(in: 0...1))
                    case .heartbeat(let generation) where generation == heartbeatGeneration.load(ordering: .relaxed):
                        actions = machine.heartbeatDue()
                    case .stop:
                        actions = machine.stop()
                    default:
                        actions = []
                    }
                }
                group.cancelAll()
            }
        } onCancel: {
            sink.yield(.stop)
        }
        sink.finish()
        eventSink.finish()
    }

    private func perform(_ action: GatewayAction, socket: inout Int, group: inout DiscardingTaskGroup,
                         sink: AsyncStream<Input>.Continuation) async {
        switch action {
        case .connect(let target, let after):
            socket += 1
            let id = socket
            group.addTask { [self] in await connect(id, target: target, after: after, sink: sink) }
        case .send(let command):
            guard let (id, outbound) = writer.withLock({ $0 }), id == socket else { return }
            let text = command.payload(token: token).jsonText()
            do { try await outbound.writeTextMessage(text) } catch {
                logger.debug("gateway write failed", metadata: ["error": "\(error)"])
            }
        case .startHeartbeat(let first, let every):
            let generation = heartbeatGeneration.add(1, ordering: .relaxed).newValue
            group.addTask { [self] in
                var wait = first
                while true {
                    do { try await Task.sleep(for: wait) } catch { return }
                    guard heartbeatGeneration.load(ordering: .relaxed) == generation else { return }
                    sink.yield(.heartbeat(generation: generation))
                    wait = every
                }
            }
        case .stopHeartbeat:
            heartbeatGeneration.add(1, ordering: .relaxed)
        case .close(let code):
            guard let (id, outbound) = writer.withLock({ $0 }), id == socket else { return }
            do { try await outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: nil) } catch {
                logger.debug("gateway close failed", metadata: ["error": "\(error)"])
            }
        case .deliver(let name, let data):
            eventSink.yield(.dispatch(name: name, data: data))
        case .ready(let sessionId):
            logger.info("Discord gateway ready", metadata: ["session": "\(sessionId)"])
            eventSink.yield(.ready(sessionId: sessionId))
        case .resumed:
            logger.info("Discord gateway session resumed")
            eventSink.yield(.resumed)
        case .fail(let failure):
            eventSink.yield(.failed(failure))
        }
    }

    /// One socket: waits `after`, finds the URL, connects, reads until it closes; reports each step.
    private func connect(_ id: Int, target: GatewayTarget, after: Duration, sink: AsyncStream<Input>.Continuation) async {
        if after > .zero {
            do { try await Task.sleep(for: after) } catch { return }
        }
        let url: String
        switch target {
        case .resume(let resumeURL):
            url = resumeURL
        case .identify:
            do {
                let gateway = try await fetchGateway()
                if gateway.sessionStartsRemaining <= 0 {
                    logger.warning("Discord's session start limit is used up; identifying after it resets",
                                   metadata: ["resetAfter": "\(gateway.resetAfter)"])
                    try await Task.sleep(for: gateway.resetAfter)
                }
                url = gateway.url
            } catch let failure as GatewayFailure {
                // REST refused the account for good (a rejected token): the same as its close code.
                sink.yield(.closed(socket: id, code: failure.closeCode))
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("GET /gateway/bot failed", metadata: ["error": "\(error)"])
                sink.yield(.closed(socket: id, code: nil))
                return
            }
        }
        let configuration = WebSocketClientConfiguration(maxFrameSize: options.maxMessageSize, closeTimeout: options.closeTimeout)
        // WSClient traces the first bytes of every frame: never below debug, so no frame of an
        // IDENTIFY or RESUME reaches a log.
        var socketLogger = logger
        if socketLogger.logLevel < .debug { socketLogger.logLevel = .debug }
        let maxMessageSize = options.maxMessageSize
        do {
            let close = try await WebSocketClient.connect(url: GatewayBot.connectURL(url), configuration: configuration,
                                                          logger: socketLogger) { [self] inbound, outbound, _ in
                writer.withLock { $0 = (id, outbound) }
                sink.yield(.opened(socket: id))
                for try await message in inbound.messages(maxSize: maxMessageSize) {
                    guard case .text(let text) = message else { continue }
                    let bytes = Array(text.utf8)
                    guard let payload = try? JSONParser.parse(bytes), let frame = GatewayFrame.decode(payload) else { continue }
                    sink.yield(.frame(socket: id, frame))
                }
            }
            sink.yield(.closed(socket: id, code: close.map { UInt16(webSocketErrorCode: $0.closeCode) }))
        } catch {
            if !Task.isCancelled {
                logger.debug("gateway socket ended", metadata: ["error": "\(error)"])
            }
            sink.yield(.closed(socket: id, code: nil))
        }
    }
}
