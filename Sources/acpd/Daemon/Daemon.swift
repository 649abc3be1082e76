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
        let httpChannel = config.channels.httpEnabled ? HTTPChannel() : nil
        let channels: [any ChatChannel] = [httpChannel].compactMap { $0 }
        let parts = try await DaemonParts.assemble(config: config, configPath: configPath, channels: channels, logger: logger)
        let (store, manager, bindings, reloader, router) = (parts.store, parts.manager, parts.bindings, parts.reloader, parts.router)
        // The http channel's message log lives in the store, which exists from here on.
        await httpChannel?.attach(store: store)
        let notifier = ChannelNotifier(channels: channels)
        let sweeper = RuntimeBindingSweeper(store: bindings, notifier: notifier, policy: {
            await reloader.current?.config.acp.runtimeBindings ?? config.acp.runtimeBindings
        })
        let intake = IntakeGate()
        let deps = APIDependencies(
            store: store, token: config.api.token, registry: registry, httpChannel: httpChannel, redaction: parts.delivery.redaction,
            handle: { message, channel in
                guard await intake.isOpen else { return nil }
                return await router.handle(message, channel: channel)
            },
            readiness: { [readiness = Readiness(intake: intake, store: store, registry: parts.backends, agents: parts.agents)] in
                await readiness.check()
            })
        let app = Application(router: APIServer.router(deps),
                              configuration: .init(address: .hostname(config.api.host, port: config.api.port), serverName: "acpd"),
                              onServerRunning: { [logger, config] _ in
                                  logger.notice("acpd listening", metadata: ["listen": "\(config.api.listen)"])
                              },
                              logger: Logger(label: "acpd.http"))
        let core = DaemonCore(manager: manager, router: router, delivery: parts.delivery, sweeper: sweeper, reloader: reloader,
                              applyReloaded: { [parts] in await parts.apply(reloaded: $0) },
                              intake: intake, httpChannel: httpChannel, store: store, logger: logger)
        // Shutdown runs in reverse order: the core first (intake closes, turns finish, event
        // streams end) while the API still answers reads, then the HTTP server.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: core)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.notice("acpd stopped")
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
