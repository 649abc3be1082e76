import ACPControlPlane
import Bindings
import ChatCore
import ChatDiscord
import ChatHTTP
import ChatTelegram
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `acpd run`: one `ServiceGroup` (swift-service-lifecycle), in the store's scope, of the HTTP API, delivery,
/// the control plane, the store's retention (`StorePrunerService`), the runtime-binding sweeper, the config reloader, the inbound router and
/// the chat channels, started in that order and stopped in reverse on SIGTERM/SIGINT:
/// 1. the channels stop taking messages (a POST answers 503);
/// 2. the router finishes the messages it read;
/// 3. the reloader and the sweeper stop;
/// 4. running turns get `shutdownGrace` to finish, then every runtime is stopped;
/// 5. delivery drains: what the runs left is sent and checkpointed;
/// 6. the http channel's event streams end and the HTTP server stops;
/// 7. the group has ended: the store is closed.
/// SIGHUP reloads the config (an invalid file keeps the running one).
struct Daemon {
    /// How long a graceful shutdown waits for running turns before cancelling them.
    static let shutdownGrace: Duration = .seconds(10)

    let config: ACPDConfig
    let configPath: String?
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    /// Runs until a shutdown signal; throws when start-up fails (store, config, listen address).
    func run() async throws {
        // One HTTP client for every Telegram account, shut down after the service group ended
        // (delivery may still send while it drains).
        let telegram = TelegramAccounts(config: config.channels, logger: logger)
        let discord = DiscordAccounts(config: config.channels, logger: logger)
        do {
            try await run(telegram: telegram, discord: discord)
        } catch {
            await telegram.shutdown()
            await discord.shutdown()
            throw error
        }
        await telegram.shutdown()
        await discord.shutdown()
    }

    private func run(telegram: TelegramAccounts, discord: DiscordAccounts) async throws {
        let httpChannel = config.channels.httpEnabled ? HTTPChannel() : nil
        let channels: [any ChatChannel] = [httpChannel].compactMap { $0 } + telegram.channels + discord.channels
        let parts = try await DaemonParts.assemble(config: config, configPath: configPath, channels: channels, logger: logger)
        let (store, reloader) = (parts.store, parts.reloader)
        // The http channel's message log and the Telegram offsets live in the store, which exists from here on.
        await httpChannel?.attach(store: store)
        telegram.attach(store: store)
        discord.attach(manager: parts.manager, logger: logger)
        let sweeper = RuntimeBindingSweeper(store: parts.bindings, notifier: OutboxNotifier(outbox: parts.delivery), policy: {
            await reloader.current?.config.acp.runtimeBindings ?? config.acp.runtimeBindings
        })
        let control = ChannelControl(telegram: telegram.channels, discord: discord.channels)
        let deps = APIDependencies(
            store: store, token: config.api.token, registry: registry, httpChannel: httpChannel, redaction: parts.delivery.redaction,
            readiness: { [readiness = Readiness(channels: channels, store: store, registry: parts.backends, agents: parts.agents)] in
                await readiness.check()
            },
            accounts: { [control] in control.statuses(channels.compactMap(\.accountStatus)) },
            controlChannel: { [control] action, channel, account in await control.perform(action, channel: channel, account: account) })
        let httpLogger = Logger(label: "acpd.http")
        let maxConnections = Self.connectionLimit(config, logger: logger)
        let limiter = ConnectionLimiter(limit: maxConnections, logger: httpLogger)
        let app = Application(router: APIServer.router(deps),
                              server: APIServerChannel.builder(config.api, limiter: limiter),
                              configuration: .init(address: .hostname(config.api.host, port: config.api.port), serverName: "acpd"),
                              onServerRunning: { [logger, config, maxConnections] _ in
                                  SystemdNotifier().ready("listening on \(config.api.listen)")
                                  logger.notice("acpd listening", metadata: [
                                      "listen": "\(config.api.listen)", "maxConnections": "\(maxConnections)",
                                      "headerTimeoutSeconds": "\(config.api.headerTimeoutSeconds)", "idleTimeoutSeconds": "\(config.api.idleTimeoutSeconds)"])
                              },
                              logger: httpLogger)
        let pruner = StorePrunerService(store: store, retention: config.storeRetention, logger: logger)
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: APIService(app: app, httpChannel: httpChannel)),
            .init(service: parts.delivery),
            .init(service: ControlPlaneService(manager: parts.manager, store: store, grace: Self.shutdownGrace, logger: logger)),
            .init(service: pruner),
            .init(service: SweeperService(sweeper: sweeper)),
            .init(service: ConfigReloadService(reloader: reloader, apply: { [parts] in
                await parts.apply(reloaded: $0)
                telegram.apply($0.channels)
                discord.apply($0.channels)
                pruner.apply($0.storeRetention)
            }, logger: logger)),
            .init(service: parts.router),
            .init(service: PairingNoticeService(store: store, channels: channels, outbox: parts.delivery, logger: Logger(label: "acpd.pairing"))),
        ] + channels.map { .init(service: $0) }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await store.serving(group, logger: logger)
        logger.notice("acpd stopped")
    }

    /// `api.maxConnections`, lowered (with a warning) when the open-file limit cannot afford it
    /// beside `acp.maxConcurrentSessions` agents (`OpenFileLimit.connectionBudget`).
    static func connectionLimit(_ config: ACPDConfig, logger: Logger) -> Int {
        let configured = config.api.maxConnections
        guard let limit = OpenFileLimit.current() else { return configured }
        let budget = OpenFileLimit.connectionBudget(configured: configured, maxSessions: config.acp.maxConcurrentSessions, limit: limit.soft)
        if budget < configured {
            logger.warning("api.maxConnections lowered to fit the open-file limit (nofile)", metadata: [
                "configured": "\(configured)", "effective": "\(budget)", "nofile": "\(limit.soft)",
                "maxConcurrentSessions": "\(config.acp.maxConcurrentSessions)"])
        }
        return budget
    }
}
