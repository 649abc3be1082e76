import ACPControlPlane
import Bindings
import ChatCore
import ChatHTTP
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

// The long-running parts of `acpd run` and `acpd chat` as `Service`s of one `ServiceGroup`
// (Daemon.swift gives the order). A service returns only once graceful shutdown reached it:
// ServiceGroup treats an earlier return as a failure.

extension ControlPlaneStore {
    /// Runs `group` and closes the store when it has returned or thrown: the store's lifetime is
    /// the group's scope, so no service (delivery draining its checkpoints, even when the group is
    /// cancelled because another service failed) ever finds it closed.
    func serving(_ group: ServiceGroup, logger: Logger) async throws {
        defer {
            do { try close() } catch { logger.error("store not closed cleanly", metadata: ["error": "\(error)"]) }
        }
        try await group.run()
    }
}

/// The session manager: maintenance (idle eviction, idempotency purge) until shutdown; then,
/// with intake already stopped (the channels and the router stop before it), running turns get
/// `grace` to finish before every runtime is stopped.
struct ControlPlaneService: Service {
    let manager: SessionManager
    let store: ControlPlaneStore
    let grace: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { [manager] in await manager.runMaintenance() }
        logger.notice("shutting down: intake closed, waiting for running turns")
        if await !waitForRunningTurns() {
            logger.warning("shutdown grace period over: cancelling running turns")
        }
        await manager.shutdown()
        logger.notice("runtimes stopped")
    }

    /// Waits (at most `grace`) until no session is running or cancelling, woken by the control
    /// plane's events rather than polling; true when none is.
    private func waitForRunningTurns() async -> Bool {
        let events = manager.subscribe(nil)
        let store = store
        @Sendable func idle() -> Bool { ((try? store.sessions(states: [.running, .cancelling]).count) ?? 0) == 0 }
        if idle() { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in events where event.payload.isTerminal {
                    if idle() { return true }
                }
                return idle()
            }
            group.addTask { [grace] in
                try? await Task.sleep(for: grace)
                return idle()
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// SIGHUP reloads the config; the new one is put into force with `apply`.
struct ConfigReloadService: Service {
    let reloader: ConfigReloader
    /// Puts a reloaded config into force (`DaemonParts.apply(reloaded:)`).
    let apply: @Sendable (ACPDConfig) async -> Void
    let logger: Logger
    /// Told of each reload (`RELOADING=1`, then `READY=1`).
    var systemd = SystemdNotifier()

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            systemd.reloading()
            defer { systemd.ready("reloaded") }
            switch await reloader.reload() {
            case .applied:
                if let current = await reloader.current { await apply(current.config) }
                logger.notice("config reloaded")
            case .rejected(let error): logger.error("config reload rejected", metadata: ["errors": "\(error.issues.count)"])
            case .failed(let reason):
                if let current = await reloader.current { await apply(current.config) }
                logger.error("config reload failed", metadata: ["reason": "\(reason)"])
            case .coalesced: logger.info("config reload coalesced into the running one")
            }
        }
        systemd.stopping()
        try? await gracefulShutdown()
    }
}

/// The runtime-binding sweeper (expiry of `/acp spawn|bind` bindings), until shutdown.
struct SweeperService: Service {
    let sweeper: RuntimeBindingSweeper

    func run() async throws {
        await cancelWhenGracefulShutdown { [sweeper] in await sweeper.run() }
    }
}

/// The HTTP API server. It stops after delivery drained (it is early in the group), so event
/// streams carry the runs' last messages; at its shutdown the http channel's event streams end,
/// which lets the server's open SSE responses finish.
struct APIService: Service {
    let app: Application<RouterResponder<BasicRequestContext>>
    let httpChannel: HTTPChannel?

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await app.run() }
            group.addTask { [httpChannel] in
                try? await gracefulShutdown()
                await httpChannel?.finishStreams()
            }
        }
    }
}

/// Sends notices (e.g. an expired runtime binding) to a conversation through its send queue.
struct OutboxNotifier: ConversationNotifier {
    let outbox: any ChatOutbox

    func notify(_ conversation: ConversationRef, text: String) async {
        await outbox.post(text, to: conversation, kind: .notice)
    }
}
