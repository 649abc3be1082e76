import ACPControlPlane
import Logging
import ServiceLifecycle

/// `store.retention` in the background (`StorePruner`, on its own thread): a pass at start, then
/// hourly, until graceful shutdown; a pass in progress stops after its current transaction.
/// A reload's `store.retention` applies from the next transaction on (`apply`).
struct StorePrunerService: Service {
    let pruner: StorePruner
    let logger: Logger

    init(store: ControlPlaneStore, retention: StoreRetention, logger: Logger) {
        pruner = StorePruner(store: store, retention: retention, logger: logger)
        self.logger = logger
    }

    /// Puts a reloaded config's `store.retention` in force.
    func apply(_ retention: StoreRetention) {
        pruner.update(retention)
    }

    func run() async throws {
        do {
            try pruner.start()
        } catch {
            logger.error("store retention not running: \(error)")
        }
        try? await gracefulShutdown()
        pruner.stop()
    }
}
