import ArgumentParser
import Bindings
import ChatCore
import CoreMetrics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Prometheus

/// `acpd run`: the daemon (see `Daemon`, docs/http-api.md, docs/operations.md).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: channels, sessions, delivery and the HTTP API until SIGTERM/SIGINT.",
        discussion: "SIGHUP reloads the config (an invalid file keeps the running one). See docs/http-api.md."
    )

    @OptionGroup var config: ConfigOptions

    @OptionGroup var log: LogOptions

    func run() async throws {
        log.bootstrap(defaultLevel: .info)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "acpd")
        let loaded: (config: ACPDConfig, description: String)
        do { loaded = try config.load(serving: true) } catch {
            logger.error("cannot load the config", metadata: ["errors": "\(error.issues.count)"])
            for issue in error.issues { logger.error("config: \(issue)") }
            throw ExitCode(1)
        }
        logger.notice("acpd starting", metadata: ["config": "\(loaded.description)", "version": "\(ACPDVersion.current)"])
        do {
            try await Daemon(config: loaded.config, configPath: loaded.config.file, registry: registry, logger: logger).run()
        } catch {
            logger.error("acpd failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
