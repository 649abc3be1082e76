import ACPControlPlane
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// The pieces `acpd run` and `acpd chat` share, assembled in start-up order: the store opened
/// (migrated), the session manager recovered, the config reconciled, the router and delivery
/// over `channels`.
struct DaemonParts {
    let store: ControlPlaneStore
    let manager: SessionManager
    let bindings: ControlPlaneBindings
    let reloader: ConfigReloader
    let router: ChatCore.InboundRouter
    let delivery: DeliveryService
    /// The agents the control plane may start; follows reloads.
    let agents: AgentCatalog
    /// The runtime backends (stdio, acpx).
    let backends: BackendRegistry

    /// Opens, recovers and reconciles; throws when the store cannot be opened or the config
    /// cannot be reconciled.
    static func assemble(config: ACPDConfig, configPath: String?, channels: [any ChatChannel],
                         logger: Logger) async throws -> DaemonParts {
        let store = try ControlPlaneStore.open(stateDir: URL(fileURLWithPath: config.stateDir))
        let backends = await RuntimeRegistryFactory.make(config: config)
        let agents = AgentCatalog(config)
        let manager = SessionManager(store: store, backends: backends, agents: { agents.spec($0) },
                                     settings: config.acp.controlPlaneSettings,
                                     logger: Logger(label: "acpd.control-plane"))
        let recovery = try await manager.recover()
        logger.info("store recovered", metadata: [
            "store": "\(store.path)", "openSessions": "\(recovery.openSessions)",
            "interruptedRuns": "\(recovery.interruptedRuns.count)", "activeBindings": "\(recovery.activeBindings)",
        ])
        let bindings = ControlPlaneBindings(manager: manager)
        // A file that loads puts its agents in force before its bindings are reconciled (a new
        // binding may name a new agent); a reload that then fails is undone by `apply(reloaded:)`.
        let load = loader(config: config, path: configPath)
        let reloader = ConfigReloader(load: { () throws(ConfigError) -> ACPDConfig in
            let next = try load()
            agents.update(next)
            return next
        }, target: bindings,
                                      logger: Logger(label: "acpd.config"))
        // The reloader logs the reconcile summary line (`reconcile: +N -N ~N =N`).
        try await reloader.start()
        let delivery = DeliveryService(config: config, manager: manager, store: store, channels: channels,
                                       logger: Logger(label: "acpd.delivery"))
        let router = ChatCore.InboundRouter(config: config, manager: manager, store: store, bindings: bindings,
                                            channels: channels, outbox: delivery, logger: Logger(label: "acpd.router"))
        await router.install(OperatorTools(version: ACPDVersion.current, startedAt: Date(), logs: LogRing.shared,
                                           shell: ProcessOperatorShell()))
        return DaemonParts(store: store, manager: manager, bindings: bindings, reloader: reloader, router: router,
                           delivery: delivery, agents: agents, backends: backends)
    }

    /// Puts the reloader's current config into force for routing, access, redaction (commands
    /// and delivery), delivery settings of new runs and agent specs (after a SIGHUP reload,
    /// applied or failed). Control-plane limits and timeouts, channels and the API keep their
    /// start-up values until a restart.
    func apply(reloaded config: ACPDConfig) async {
        agents.update(config)
        await router.apply(config)
        await delivery.apply(config)
    }

    private static func loader(config: ACPDConfig, path: String?) -> @Sendable () throws(ConfigError) -> ACPDConfig {
        guard let file = path ?? config.file else { return { config } }
        return { () throws(ConfigError) -> ACPDConfig in
            try ConfigLoader.load(path: file, environment: ProcessInfo.processInfo.environment)
        }
    }
}
