import ACPControlPlane
import Bindings
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `acpd run`: the store, the session manager, the router with its channels, delivery, the runtime
/// binding sweeper, maintenance and the HTTP API under one `ServiceGroup`. SIGTERM/SIGINT stop
/// intake, give running turns `shutdownGrace` to finish, then stop every runtime; SIGHUP reloads
/// the config (an invalid file keeps the running one).
struct Daemon {
    /// How long a graceful shutdown waits for running turns before cancelling them.
    static let shutdownGrace: Duration = .seconds(10)

    let config: ACPDConfig
    let configPath: String?
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    /// Runs until a shutdown signal; throws when start-up fails (store, config, listen address).
    func run() async throws {
        let store = try ControlPlaneStore.open(stateDir: URL(fileURLWithPath: config.stateDir))
        let backends = await RuntimeRegistryFactory.make(config: config)
        let agents = config.agents
        let manager = SessionManager(store: store, backends: backends, agents: { agents[$0]?.spec },
                                     logger: Logger(label: "acpd.control-plane"))
        let recovery = try await manager.recover()
        logger.info("store recovered", metadata: [
            "store": "\(store.path)", "openSessions": "\(recovery.openSessions)",
            "interruptedRuns": "\(recovery.interruptedRuns.count)", "activeBindings": "\(recovery.activeBindings)",
        ])
        let bindings = ControlPlaneBindings(manager: manager)
        let reloader = ConfigReloader(load: Self.loader(config: config, path: configPath), target: bindings,
                                      logger: Logger(label: "acpd.config"))
        // The reloader logs the reconcile summary line (`reconcile: +N -N ~N =N`).
        try await reloader.start()

        let httpChannel = config.channels.httpEnabled ? HTTPChannel() : nil
        let channels: [any ChatChannel] = [httpChannel].compactMap { $0 }
        let router = Bindings.Router(config: config, manager: manager, store: store, bindings: bindings,
                                     channels: channels, logger: Logger(label: "acpd.router"))
        let delivery = DeliveryService(config: config, manager: manager, store: store, channels: channels, logger: Logger(label: "acpd.delivery"))
        let notifier = ChannelNotifier(channels: channels)
        let sweeper = RuntimeBindingSweeper(store: bindings, notifier: notifier, policy: {
            await reloader.current?.config.acp.runtimeBindings ?? config.acp.runtimeBindings
        })
        let intake = IntakeGate()
        let deps = APIDependencies(
            store: store, token: config.api.token, registry: registry, httpChannel: httpChannel,
            handle: { message, channel in
                guard await intake.isOpen else { return nil }
                return await router.handle(message, channel: channel)
            },
            readiness: {
                guard await intake.isOpen else { return (false, "shutting down") }
                do { _ = try store.schemaVersion() } catch { return (false, "store: \(error)") }
                return (true, "ok")
            })
        let app = Application(router: APIServer.router(deps),
                              configuration: .init(address: .hostname(config.api.host, port: config.api.port), serverName: "acpd"),
                              onServerRunning: { [logger, config] _ in
                                  logger.notice("acpd listening", metadata: ["listen": "\(config.api.listen)"])
                              },
                              logger: Logger(label: "acpd.http"))
        let core = DaemonCore(manager: manager, router: router, delivery: delivery, sweeper: sweeper, reloader: reloader,
                              intake: intake, httpChannel: httpChannel, store: store, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: core), .init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.notice("acpd stopped")
    }

    private static func loader(config: ACPDConfig, path: String?) -> @Sendable () throws(ConfigError) -> ACPDConfig {
        guard let file = path ?? config.file else { return { config } }
        return { () throws(ConfigError) -> ACPDConfig in
            try ConfigLoader.load(path: file, environment: ProcessInfo.processInfo.environment)
        }
    }
}

/// Whether acpd takes new messages; closed when shutdown starts.
actor IntakeGate {
    private(set) var isOpen = true
    func close() { isOpen = false }
}

/// Sends notices (e.g. an expired runtime binding) through the conversation's channel.
struct ChannelNotifier: ConversationNotifier {
    let channels: [any ChatChannel]

    func notify(_ conversation: ConversationRef, text: String) async {
        guard let channel = channels.first(where: { $0.kind == conversation.channel }) else { return }
        _ = try? await channel.send(to: conversation, text: text, buttons: [], context: OutgoingContext(kind: .notice))
    }
}
