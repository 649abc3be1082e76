import ACPControlPlane
import Foundation
import RuntimeBackends
import Synchronization
import TestSupport

/// Collects every event of a subscription so tests can wait for one with a deadline.
final class EventCollector: Sendable {
    private struct State {
        var events: [ControlPlaneEvent] = []
        var waiters: [(id: UUID, predicate: @Sendable ([ControlPlaneEvent]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(_ stream: AsyncStream<ControlPlaneEvent>) {
        let handle = Task { [self] in
            for await event in stream {
                let ready = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    state.events.append(event)
                    var ready: [CheckedContinuation<Void, Never>] = []
                    state.waiters.removeAll { waiter in
                        guard waiter.predicate(state.events) else { return false }
                        ready.append(waiter.continuation)
                        return true
                    }
                    return ready
                }
                for continuation in ready { continuation.resume() }
            }
        }
        task.withLock { $0 = handle }
    }

    /// Stops collecting.
    func stop() { task.withLock { $0?.cancel() } }

    var events: [ControlPlaneEvent] { state.withLock { $0.events } }

    func events(of run: RunID) -> [ControlPlaneEvent] { events.filter { $0.runId == run } }

    /// Waits until `predicate` holds for the events so far (cancellation-aware, so a deadline ends it).
    /// The default deadline is far above the ~1 s a run takes here: in the full suite on two cores
    /// the CPU-bound suites beside it can hold both of the runtime's threads for many seconds.
    func wait(_ what: String, timeout: Double = 45, until predicate: @escaping @Sendable ([ControlPlaneEvent]) -> Bool) async throws {
        try await withDeadline(timeout, what) { [self] in
            let id = UUID()
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let done = self.state.withLock { state -> Bool in
                        if predicate(state.events) || Task.isCancelled { return true }
                        state.waiters.append((id, predicate, continuation))
                        return false
                    }
                    if done { continuation.resume() }
                }
            } onCancel: {
                let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
                }
                waiter?.resume()
            }
            try Task.checkCancellation()
        }
    }

    /// Waits for the terminal event of `run` and returns it.
    @discardableResult
    func terminal(of run: RunID, timeout: Double = 45) async throws -> EventPayload {
        try await wait("end of run \(run)", timeout: timeout) { events in events.contains { $0.runId == run && $0.payload.isTerminal } }
        return events(of: run).last { $0.payload.isTerminal }!.payload
    }

    /// The output text of a run, concatenated.
    func text(of run: RunID) -> String {
        events(of: run).compactMap { event -> String? in
            if case .text(let delta) = event.payload, delta.stream == .output { return delta.text }
            return nil
        }.joined()
    }
}

/// A manager on a fresh store in `dir`, driving the real stdio backend and the demo agent.
struct ManagerHarness {
    let dir: URL
    let store: ControlPlaneStore
    let manager: SessionManager
    let registry: BackendRegistry
    let conversation = ConversationRef(channel: .http, conversationId: "conv-a")

    static func demoSpec(_ dir: URL, extra: [String] = []) -> AgentSpec {
        AgentSpec(id: "demo", command: [TestPaths.demoAgent, "--state-dir", dir.appendingPathComponent("demo-state").path] + extra)
    }

    init(dir: URL, settings: ControlPlaneSettings = ControlPlaneSettings(), agentArguments: [String] = [],
         now: @escaping @Sendable () -> Date = { Date() }, metrics: ControlPlaneMetrics = ControlPlaneMetrics(),
         agentCommand: [String]? = nil, cancelGrace: Duration = .seconds(2)) async throws {
        self.dir = dir
        store = try ControlPlaneStore.open(stateDir: dir.appendingPathComponent("state"), now: now)
        registry = BackendRegistry()
        var options = StdioRuntimeOptions()
        options.cancelGrace = cancelGrace
        options.terminateGrace = 0.5
        await registry.register(StdioRuntime(options: options))
        let spec = agentCommand.map { AgentSpec(id: "demo", command: $0) } ?? Self.demoSpec(dir, extra: agentArguments)
        manager = SessionManager(store: store, backends: registry, agents: { id in id == "demo" ? spec : nil },
                                 settings: settings, metrics: metrics, now: now)
        _ = try await manager.recover()
    }

    static var fastSettings: ControlPlaneSettings {
        var settings = ControlPlaneSettings()
        settings.restartBackoffInitial = .milliseconds(50)
        settings.restartBackoffMax = .milliseconds(200)
        settings.runDrainTimeout = .seconds(2)
        return settings
    }

    func newSession(_ name: String = UUID().uuidString, label: String? = nil) -> NewSession {
        NewSession(key: SessionKey.spawned(agentId: "demo", uuid: name)!, agentId: "demo", cwd: dir.path, label: label)
    }

    /// Creates a session (no runtime), bound to `conversation` when `bind`, and subscribes to it.
    func makeSession(_ name: String = UUID().uuidString, bind: Bool = false) async throws -> (SessionKey, EventCollector) {
        let new = newSession(name)
        let collector = EventCollector(manager.subscribe(new.key))
        try await manager.createSession(new, binding: bind ? NewBinding(source: .runtime, conversation: conversation) : nil)
        return (new.key, collector)
    }

    func submit(_ key: SessionKey, _ text: String, from conversation: ConversationRef? = nil) async throws -> RunID {
        try await manager.submit(key, prompt: [.text(text)], from: conversation ?? self.conversation).runId
    }

    func shutdown() async {
        await manager.shutdown()
    }
}
