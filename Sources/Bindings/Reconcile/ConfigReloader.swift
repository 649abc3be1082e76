import ACPControlPlane
import Logging

/// A validated config and the binding index built from it: what the router uses.
public struct LoadedConfig: Sendable {
    public let config: ACPDConfig
    public let index: BindingIndex

    /// Indexes the bindings of `config`.
    public init(config: ACPDConfig) {
        self.config = config
        self.index = BindingIndex(config: config)
    }
}

/// Holds the running config and replaces it on reload (start-up and SIGHUP): a valid new file is
/// reconciled into the store and then becomes current; an invalid one is rejected with every
/// error logged, and the running config stays. Reloads never overlap: one asked for while another
/// runs is folded into a second pass after it.
public actor ConfigReloader {
    /// The result of `reload()`.
    public enum Outcome: Sendable {
        /// The new config is current; the report says what reconcile did.
        case applied(ReconcileReport)
        /// The file was missing or invalid; the running config stays.
        case rejected(ConfigError)
        /// The store could not be read; the running config stays.
        case failed(String)
        /// A reload was already running; it will read the file again when it is done.
        case coalesced
    }

    private let load: @Sendable () throws(ConfigError) -> ACPDConfig
    private let reconciler: Reconciler
    private let logger: Logger
    private var loaded: LoadedConfig?
    private var running = false
    private var pending = false

    /// `load` reads and validates the config file (e.g. `ConfigLoader.load(path:environment:)`).
    public init(load: @escaping @Sendable () throws(ConfigError) -> ACPDConfig, target: any ReconcileTarget,
                logger: Logger = Logger(label: "acpd.config")) {
        self.load = load
        self.reconciler = Reconciler(target: target, logger: logger)
        self.logger = logger
    }

    /// The running config, nil before a successful `start()`.
    public var current: LoadedConfig? { loaded }

    /// Loads the config, reconciles and makes it current. Throws when the file is missing or
    /// invalid (acpd must not start then), or when the store cannot be read.
    @discardableResult
    public func start() async throws -> ReconcileReport {
        running = true
        let report: ReconcileReport
        do {
            let next = LoadedConfig(config: try load())
            report = try await reconciler.reconcile(next.index)
            loaded = next
        } catch {
            running = false
            pending = false
            throw error
        }
        running = false
        // A SIGHUP that arrived while starting is served now, not lost.
        if pending {
            pending = false
            await reload()
        }
        return report
    }

    /// Reloads the file (SIGHUP). See `Outcome`.
    @discardableResult
    public func reload() async -> Outcome {
        guard !running else {
            pending = true
            return .coalesced
        }
        running = true
        defer { running = false }
        var outcome = await reloadOnce()
        while pending {
            pending = false
            outcome = await reloadOnce()
        }
        return outcome
    }

    private func reloadOnce() async -> Outcome {
        let config: ACPDConfig
        do {
            config = try load()
        } catch {
            logger.error("config reload rejected: keeping the running config", metadata: [
                "file": "\(error.file ?? "-")", "errors": "\(error.issues.count)",
            ])
            for issue in error.issues { logger.error("config: \(issue)") }
            return .rejected(error)
        }
        let next = LoadedConfig(config: config)
        do {
            let report = try await reconciler.reconcile(next.index)
            loaded = next
            return .applied(report)
        } catch {
            logger.error("config reload failed: cannot read the store; keeping the running config", metadata: ["error": "\(error)"])
            return .failed("\(error)")
        }
    }
}
