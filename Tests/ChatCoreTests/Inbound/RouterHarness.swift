import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Logging
import RuntimeBackends
import TestSupport

/// The whole inbound and outbound path over real parts: a SQLite store in a temp dir, the real
/// `SessionManager` with the stdio backend running the demo agent, the router and the delivery
/// service, and a `ChatRecorder` as the channel. `restart()` opens the same store again.
final class RouterHarness: @unchecked Sendable {
    let dir: URL
    let config: ACPDConfig
    private(set) var store: ControlPlaneStore
    private(set) var manager: SessionManager
    private(set) var router: InboundRouter
    private(set) var delivery: DeliveryService
    private(set) var channel: ChatRecorder
    private var deliveryTask: Task<Void, Never>?

    /// `http:owner` is an owner, `http:alice` allowlisted; `routed` is route-bound to the demo agent,
    /// `seeing` to `seer` (the demo agent advertising images, cwd `seer-workspace`).
    static func config(dir: URL, unknownSenders: String = "strict", dispatch: Bool = true) throws -> ACPDConfig {
        try ConfigLoader.parse("""
            acp: { defaultAgent: demo, stream: { deliveryMode: final_only }, dispatch: { enabled: \(dispatch) } }
            agents:
              demo: { command: [\(TestPaths.demoAgent), --state-dir, \(dir.path)/demo], cwd: \(dir.path) }
              seer: { command: [\(TestPaths.demoAgent), --image, --state-dir, \(dir.path)/seer], cwd: \(dir.path)/seer-workspace }
              broken: { command: [\(dir.path)/no-such-agent], cwd: \(dir.path) }
              slow: { command: [/bin/sh, -c, "sleep 2; exec \(TestPaths.demoAgent) --state-dir \(dir.path)/slow"], cwd: \(dir.path) }
            bindings:
              - type: route
                agentId: demo
                match: { channel: http, accountId: default, peer: { kind: direct, id: routed } }
              - type: route
                agentId: seer
                match: { channel: http, accountId: default, peer: { kind: direct, id: seeing } }
              - type: route
                agentId: demo
                match: { channel: http, accountId: default, peer: { kind: direct, id: members-room } }
                access: members
                approvers: ["http:quinn"]
            channels: { http: { enabled: true } }
            access:
              owners: ["http:owner"]
              allowFrom: ["http:alice"]
              unknownSenders: \(unknownSenders)
              rateLimit: { perMinute: 600, burst: 100 }
            """, baseDirectory: dir.path, environment: [:])
    }

    /// Texts given to the router's owner notifier.
    let ownerNotices = Notices()

    /// A list of texts, appended from any task.
    actor Notices {
        private(set) var texts: [String] = []
        func append(_ text: String) { texts.append(text) }
    }

    init(dir: URL, unknownSenders: String = "strict", threads: Bool = false, dispatch: Bool = true) async throws {
        self.dir = dir
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("seer-workspace"), withIntermediateDirectories: true)
        config = try Self.config(dir: dir, unknownSenders: unknownSenders, dispatch: dispatch)
        (store, manager, router, delivery, channel) = try await Self.open(dir: dir, config: config, threads: threads, notices: ownerNotices)
    }

    private static func open(dir: URL, config: ACPDConfig, threads: Bool, notices: Notices) async throws
        -> (ControlPlaneStore, SessionManager, InboundRouter, DeliveryService, ChatRecorder) {
        let store = try ControlPlaneStore.open(stateDir: dir.appendingPathComponent("state"))
        let registry = BackendRegistry()
        var options = StdioRuntimeOptions()
        options.cancelGrace = .seconds(2)
        await registry.register(StdioRuntime(options: options))
        var settings = ControlPlaneSettings()
        settings.runDrainTimeout = .seconds(2)
        let agents = config.agents
        let manager = SessionManager(store: store, backends: registry, agents: { agents[$0]?.spec }, settings: settings)
        _ = try await manager.recover()
        let channel = ChatRecorder(threads: threads)
        let logger = Logger(label: "test.router")
        let delivery = DeliveryService(config: config, manager: manager, store: store, channels: [channel], logger: logger)
        let router = InboundRouter(config: config, manager: manager, store: store, bindings: ControlPlaneBindings(manager: manager),
                                   channels: [channel], outbox: delivery, logger: logger, notifyOwners: { await notices.append($0) })
        return (store, manager, router, delivery, channel)
    }

    static let routed = ConversationRef(channel: .http, conversationId: "routed")

    /// Starts delivering agent output.
    func startDelivery() {
        let delivery = delivery
        deliveryTask = Task { await delivery.run() }
    }

    /// Stops delivery; returns once the send queues drained (checkpoints are then final).
    func stopDelivery() async {
        deliveryTask?.cancel()
        await deliveryTask?.value
        deliveryTask = nil
    }

    /// A message from `sender` in `conversation`; the idempotency key defaults to a fresh one.
    func send(_ text: String, from sender: String = "alice", in conversation: ConversationRef = routed,
              key: String = UUID().uuidString) async -> InboundOutcome {
        await router.handle(InboundMessage(conversation: conversation, senderId: sender, text: text, idempotencyKey: key),
                            channel: channel)
    }

    /// Waits until the run ends in the store and returns its final state.
    func waitForRunEnd(_ runId: RunID, seconds: Double = 20) async throws -> RunRecord {
        let store = store
        let events = manager.subscribe(nil)
        if let run = try store.run(runId), run.state.isTerminal { return run }
        return try await withDeadline(seconds, "run \(runId) to end") {
            for await event in events where event.runId == runId && event.payload.isTerminal { break }
            return try store.run(runId)!
        }
    }

    /// Stops everything and opens the same store again with a fresh router, delivery service and channel.
    func restart() async throws {
        await shutdown()
        (store, manager, router, delivery, channel) = try await Self.open(dir: dir, config: config, threads: false, notices: ownerNotices)
    }

    func shutdown() async {
        await stopDelivery()
        await manager.shutdown()
        try? store.close()
    }

    /// Runs `body` on a fresh harness with delivery running, and shuts it down afterwards.
    static func with(unknownSenders: String = "strict", threads: Bool = false, dispatch: Bool = true,
                     _ body: (RouterHarness) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            let harness = try await RouterHarness(dir: dir, unknownSenders: unknownSenders, threads: threads, dispatch: dispatch)
            harness.startDelivery()
            do { try await body(harness) } catch {
                await harness.shutdown()
                throw error
            }
            await harness.shutdown()
        }
    }
}
