import ACPControlPlane
import Bindings
import ChatCore
import ChatHTTP
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle
import UnixSignals

/// The daemon's background work as one service: the router's channel intake, delivery, the
/// runtime-binding sweeper, store maintenance and SIGHUP reloads. On graceful shutdown it closes
/// intake, waits up to `Daemon.shutdownGrace` for running turns, stops every runtime, then lets
/// delivery drain (what the runs left is sent and checkpointed before exit).
struct DaemonCore: Service {
    let manager: SessionManager
    let router: ChatCore.InboundRouter
    let delivery: DeliveryService
    let sweeper: RuntimeBindingSweeper
    let reloader: ConfigReloader
    /// Puts a reloaded config into force (`DaemonParts.apply(reloaded:)`).
    let applyReloaded: @Sendable (ACPDConfig) async -> Void
    let intake: IntakeGate
    let httpChannel: HTTPChannel?
    let store: ControlPlaneStore
    let logger: Logger

    func run() async throws {
        // Delivery outlives the other work: it stops last, after the runtimes, and drains.
        let deliveryTask = Task { await delivery.run() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await router.run() }
            group.addTask { await sweeper.run() }
            group.addTask { await manager.runMaintenance() }
            group.addTask { await reloadOnHangup() }
            await withGracefulShutdownHandler {
                try? await gracefulShutdown()
            } onGracefulShutdown: {
                Task { await intake.close() }
            }
            await intake.close()
            logger.notice("shutting down: intake closed, waiting for running turns")
            await waitForRunningTurns()
            group.cancelAll()
        }
        await manager.shutdown()
        logger.notice("runtimes stopped")
        // Every run has ended (or was stopped): let delivery send what they left (held text,
        // final messages) and record its checkpoints before the process exits.
        deliveryTask.cancel()
        await deliveryTask.value
        await httpChannel?.stop()
        logger.notice("delivery drained")
    }

    private func reloadOnHangup() async {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals {
            if Task.isCancelled { return }
            switch await reloader.reload() {
            case .applied:
                if let current = await reloader.current { await applyReloaded(current.config) }
                logger.notice("config reloaded")
            case .rejected(let error): logger.error("config reload rejected", metadata: ["errors": "\(error.issues.count)"])
            case .failed(let reason):
                if let current = await reloader.current { await applyReloaded(current.config) }
                logger.error("config reload failed", metadata: ["reason": "\(reason)"])
            case .coalesced: logger.info("config reload coalesced into the running one")
            }
        }
    }

    /// Waits while any session is running, at most `Daemon.shutdownGrace`.
    private func waitForRunningTurns() async {
        let deadline = ContinuousClock.now + Daemon.shutdownGrace
        while ContinuousClock.now < deadline {
            let running = (try? store.sessions(states: [.running, .cancelling]).count) ?? 0
            if running == 0 { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
        logger.warning("shutdown grace period over: cancelling running turns")
    }
}
