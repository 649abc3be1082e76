import ACPControlPlane
@testable import Bindings
import Foundation
import Synchronization
import TestSupport

/// A wall clock the test moves by hand; also the sweeper's clock (its sleep returns at once).
final class ManualClock: SweepClock, Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_700_000_000))

    func now() -> Date { current.withLock { $0 } }
    var source: @Sendable () -> Date { { [self] in now() } }
    func sleep(seconds: Double) async throws { try Task.checkCancellation() }
    func advance(hours: Double) { current.withLock { $0 = $0.addingTimeInterval(hours * 3600) } }
}

/// The real control plane over `<dir>/state/acpd.sqlite`: store, session manager (no backend
/// registered: nothing here starts a runtime) and the bindings adapter, on one manual clock.
struct ControlPlaneHarness {
    let dir: URL
    let clock: ManualClock
    let store: ControlPlaneStore
    let manager: SessionManager
    let bindings: ControlPlaneBindings

    /// Opens (or reopens: the same file) the store in `dir`; agents come from `config`.
    init(dir: URL, config: ACPDConfig, clock: ManualClock = ManualClock()) async throws {
        self.dir = dir
        self.clock = clock
        store = try ControlPlaneStore.open(stateDir: dir.appendingPathComponent("state"), now: clock.source)
        let agents = config.agents
        manager = SessionManager(store: store, backends: BackendRegistry(), agents: { agents[$0]?.spec }, now: clock.source)
        _ = try await manager.recover()
        bindings = ControlPlaneBindings(manager: manager)
    }

    /// Reconciles the store with `config`.
    func reconcile(_ config: ACPDConfig) async throws -> ReconcileReport {
        try await Reconciler(target: bindings).reconcile(BindingIndex(config: config))
    }

    /// Stops the manager and closes the store (a restart reopens the file).
    func close() async throws {
        await manager.shutdown()
        try store.close()
    }

    /// Runs `body` on a fresh harness and closes it afterwards, also when `body` throws.
    static func with(_ config: ACPDConfig, clock: ManualClock = ManualClock(),
                     _ body: (ControlPlaneHarness) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            let harness = try await ControlPlaneHarness(dir: dir, config: config, clock: clock)
            do {
                try await body(harness)
            } catch {
                try? await harness.close()
                throw error
            }
            try await harness.close()
        }
    }
}

/// Config text for these tests: two agents, bindings given by the caller.
enum StoreConfigs {
    static let topic = ConversationRef(channel: .telegram, conversationId: "-1001234567890:topic:42",
                                       parentConversationId: "-1001234567890")
    static let ops = ConversationRef(channel: .http, conversationId: "ops")

    static func config(_ bindings: [String]) throws -> ACPDConfig {
        try parseConfig("""
            agents:
              demo: { command: [\(TestPaths.demoAgent)], cwd: /srv/demo }
              codex: { command: [codex-acp], cwd: /srv/codex }
            bindings:
            \(bindings.isEmpty ? "  []" : bindings.joined(separator: "\n"))
            """)
    }

    static func telegram(agent: String = "demo") -> String {
        """
          - type: acp
            agentId: \(agent)
            match: { channel: telegram, peer: { kind: group, id: "-1001234567890:topic:42" } }
            acp: { label: tg-demo-42 }
        """
    }

    static func http(_ peer: String = "ops", agent: String = "demo", cwd: String? = nil) -> String {
        """
          - type: acp
            agentId: \(agent)
            match: { channel: http, peer: { id: \(peer) } }
        \(cwd.map { "    acp: { cwd: \($0) }" } ?? "")
        """
    }

    static let discordRoute = """
          - type: route
            agentId: codex
            match: { channel: discord }
        """

    static func discordChannel(_ id: String) -> String {
        """
          - type: acp
            agentId: demo
            match: { channel: discord, peer: { kind: channel, id: "\(id)" } }
        """
    }
}

/// Records what the sweeper tells conversations.
actor RecordingNotifier: ConversationNotifier {
    private(set) var notices: [(conversation: ConversationRef, text: String)] = []
    func notify(_ conversation: ConversationRef, text: String) { notices.append((conversation, text)) }
}
