import ACPControlPlane
import Bindings
import ChatCore
import Foundation
import Logging
import RuntimeBackends

/// The parts `acpd run` assembles (Sources/acpd/Daemon/DaemonParts.swift), in the same order and
/// with the same settings, in this process: a real store in a temp dir, the session manager, the
/// config reconcile, `ChatCore.InboundRouter` and `DeliveryService`, the stdio backend running the demo
/// agent. The stdio backend is wrapped in `TimingRuntime` and the channel is a `BenchChannel`
/// with the http channel's capabilities, both reporting to `probe`.
final class RouterStack: Sendable {
    let dir: URL
    let config: ACPDConfig
    let store: ControlPlaneStore
    let manager: SessionManager
    let router: ChatCore.InboundRouter
    let delivery: DeliveryService
    let channel: BenchChannel
    let probe: LatencyProbe
    private let tasks: [Task<Void, Never>]

    /// Route-binds every http conversation to the demo agent; `coalesceIdleMs` as given;
    /// `maxConcurrentSessions` live runtimes.
    static func config(dir: URL, agent: String, coalesceIdleMs: Int, maxSessions: Int) throws -> ACPDConfig {
        try ConfigLoader.parse("""
            stateDir: \(dir.path)/state
            agents:
              demo: { command: ["\(agent)", --state-dir, "\(dir.path)/demo"], cwd: "\(dir.path)" }
            acp:
              defaultAgent: demo
              maxConcurrentSessions: \(maxSessions)
              stream: { coalesceIdleMs: \(coalesceIdleMs) }
            bindings:
              - type: route
                agentId: demo
                match: { channel: http }
            channels: { http: { enabled: true } }
            access:
              owners: ["http:bench"]
              rateLimit: { perMinute: 1000000, burst: 1000000 }
            """, baseDirectory: dir.path, environment: [:])
    }

    /// Opens, recovers and reconciles as `DaemonParts.assemble` does, then starts the router's
    /// intake and delivery.
    init(dir: URL, agent: String, coalesceIdleMs: Int, maxSessions: Int) async throws {
        self.dir = dir
        config = try Self.config(dir: dir, agent: agent, coalesceIdleMs: coalesceIdleMs, maxSessions: maxSessions)
        probe = LatencyProbe()
        store = try ControlPlaneStore.open(stateDir: URL(fileURLWithPath: config.stateDir))
        let backends = BackendRegistry()
        var options = StdioRuntimeOptions()
        let probe = probe
        options.wireTap = { line in
            if line.direction == .outgoing, line.text.contains(#""method":"session/prompt""#) { probe.promptWritten() }
        }
        await backends.register(TimingRuntime(inner: StdioRuntime(options: options, logger: quietLogger("bench.runtime")),
                                              probe: probe))
        let agents = config.agents
        manager = SessionManager(store: store, backends: backends, agents: { agents[$0]?.spec },
                                 settings: config.acp.controlPlaneSettings, logger: quietLogger("bench.control-plane"))
        _ = try await manager.recover()
        let bindings = ControlPlaneBindings(manager: manager)
        let loaded = config
        let reloader = ConfigReloader(load: { loaded }, target: bindings, logger: quietLogger("bench.config"))
        _ = try await reloader.start()
        channel = BenchChannel(probe: probe)
        delivery = DeliveryService(config: config, manager: manager, store: store, channels: [channel],
                                   logger: quietLogger("bench.delivery"))
        router = ChatCore.InboundRouter(config: config, manager: manager, store: store, bindings: bindings,
                                        channels: [channel], outbox: delivery, logger: quietLogger("bench.router"))
        let (router, delivery) = (router, delivery)
        tasks = [Task { await router.run() }, Task { await delivery.run() }]
    }

    /// A message from the owner in http conversation `conversation`.
    func message(_ text: String, conversation: String, key: String) -> InboundMessage {
        InboundMessage(conversation: ConversationRef(channel: .http, conversationId: conversation), senderId: "bench",
                       text: text, idempotencyKey: key)
    }

    /// Stops delivery and intake, every runtime, and closes the store.
    func shutdown() async {
        channel.stop()
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await manager.shutdown()
        try? store.close()
    }
}

/// A logger that only reports warnings and errors (the bench prints its own results).
func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// An `AgentRuntime` that forwards to the real one and tells the probe when a turn is asked for
/// (`runTurn` called) and when the turn's stream yields agent text. Re-yielding costs one task
/// switch, which the chunk → delivered figure therefore includes.
struct TimingRuntime: AgentRuntime {
    let inner: any AgentRuntime
    let probe: LatencyProbe

    var id: String { inner.id }

    func ensureSession(_ request: EnsureSessionRequest) async throws(ACPError) -> EnsuredSession {
        try await inner.ensureSession(request)
    }

    func runTurn(_ handle: RuntimeHandle, prompt: [ContentBlock], runId: RunID) -> AsyncStream<RuntimeEvent> {
        probe.turnStarted(runId)
        let upstream = inner.runTurn(handle, prompt: prompt, runId: runId)
        let (stream, continuation) = AsyncStream.makeStream(of: RuntimeEvent.self, bufferingPolicy: .unbounded)
        let probe = probe
        let forward = Task(executorPreference: TaskAffinity.executor(for: handle.sessionKey)) {
            for await event in upstream {
                if case .text(let delta) = event, delta.stream == .output { probe.chunk(runId, text: delta.text) }
                continuation.yield(event)
            }
            probe.streamEnded(runId)
            continuation.finish()
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { forward.cancel() }
        }
        return stream
    }

    func cancel(_ handle: RuntimeHandle) async { await inner.cancel(handle) }
    func close(sessionKey: SessionKey, reason: CloseReason) async { await inner.close(sessionKey: sessionKey, reason: reason) }
    func isAlive(_ handle: RuntimeHandle) async -> Bool { await inner.isAlive(handle) }
    func health() async -> BackendHealth { await inner.health() }
}

/// A channel with the http channel's capabilities (16,000 characters, edits, no buttons) that
/// keeps nothing: every send and edit carrying a run's text goes to the probe.
final class BenchChannel: ChatChannel {
    let kind: ConversationRef.Channel = .http
    let capabilities = ChannelCapabilities(maxMessageLength: 16_000, supportsEdit: true, supportsButtons: false)
    private let queue = InboundQueue()
    private let probe: LatencyProbe
    private let counter = Counter()

    init(probe: LatencyProbe) {
        self.probe = probe
    }

    var inbound: AsyncStream<Inbound> { queue.stream }
    var isAcceptingInbound: Bool { queue.isOpen }
    func run() async throws {}

    /// Hands a message to the router through the inbound stream, as the http channel does.
    func submit(_ message: InboundMessage) async -> InboundOutcome? {
        await queue.submit(message)
    }

    func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
              context: OutgoingContext) async throws -> MessageRef {
        if let runId = context.runId { probe.delivered(runId, text: text, isFinal: context.isFinal) }
        return MessageRef(conversation: conversation, messageId: "\(counter.next())")
    }

    func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        if let runId = context.runId { probe.delivered(runId, text: text, isFinal: context.isFinal) }
    }

    func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        throw ChannelError.notSupported("no threads")
    }

    func stop() { queue.close() }
}
