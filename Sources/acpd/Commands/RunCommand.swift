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
import RuntimeBackends

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
        // Big agent lines' buffers get mappings of their own, given back when freed; free heap
        // pages go back every minute (a long-running daemon's RSS would otherwise creep up).
        MemoryTrim.mapBigAllocations()
        MemoryTrim.shared.trimPeriodically()
        // The config is read first: its `log` section decides how the log is written.
        let loaded: (config: ACPDConfig, description: String)
        do { loaded = try config.load(serving: true) } catch {
            log.bootstrap(defaultLevel: .info)
            let logger = Logger(label: "acpd")
            logger.error("cannot load the config", metadata: ["errors": "\(error.issues.count)"])
            for issue in error.issues { logger.error("config: \(issue)") }
            throw ExitCode(1)
        }
        log.bootstrap(defaultLevel: .info, config: loaded.config.log)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "acpd")
        logger.notice("acpd starting", metadata: ["config": "\(loaded.description)", "version": "\(ACPDVersion.current)",
                                                  "executor": "\(GlobalExecutor.isEventLoops ? "event loops" : "concurrency pool")",
                                                  "timers": "\(GlobalExecutor.timersOnEventLoops ? "event loops" : "steps")"])
        Self.raiseOpenFileLimit(loaded.config, logger: logger)
        do {
            try await Daemon(config: loaded.config, configPath: loaded.config.file, registry: registry, logger: logger).run()
        } catch {
            logger.error("acpd failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    /// Raises the soft open-file limit to the hard one and logs the outcome, with a warning when
    /// the limit is below what the config may need (`OpenFileLimit.needed`, as `acpd doctor` checks).
    static func raiseOpenFileLimit(_ config: ACPDConfig, logger: Logger) {
        let needed = OpenFileLimit.needed(maxSessions: config.acp.maxConcurrentSessions, maxConnections: config.api.maxConnections)
        let limit: UInt64
        switch OpenFileLimit.raiseSoftToHard() {
        case .raised(let from, let to)?:
            logger.notice("raised the open-file limit (nofile)", metadata: ["from": "\(from)", "to": "\(to)"])
            limit = to
        case .unchanged(let soft)?:
            logger.info("open-file limit (nofile) is already the hard limit", metadata: ["limit": "\(soft)"])
            limit = soft
        case .failed(let soft, let error)?:
            logger.warning("cannot raise the open-file limit (nofile)", metadata: ["limit": "\(soft)", "errno": "\(error)"])
            limit = soft
        case nil:
            logger.warning("cannot read the open-file limit (nofile)")
            return
        }
        if limit < needed {
            logger.warning("the open-file limit (nofile) is low for this config", metadata: [
                "limit": "\(limit)", "needed": "\(needed)", "maxConcurrentSessions": "\(config.acp.maxConcurrentSessions)",
                "maxConnections": "\(config.api.maxConnections)"])
        }
    }
}
