import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// `health()` of the acpx backend: runs `acpx --version` and caches the answer briefly, so a burst
/// of health checks starts one process at most. Concurrent callers during a probe share it.
actor AcpxHealthProbe {
    private let options: AcpxOptions
    private let process: AcpxProcess
    private let logger: Logger
    private var cached: (health: BackendHealth, at: ContinuousClock.Instant)?
    private var inFlight: Task<BackendHealth, Never>?

    init(options: AcpxOptions, logger: Logger) {
        self.options = options
        self.logger = logger
        self.process = AcpxProcess(acpx: options.command, logger: logger)
    }

    /// The cached answer when it is fresh, else a new probe.
    func check() async -> BackendHealth {
        if let cached, ContinuousClock.now - cached.at < .seconds(options.healthCacheSeconds) {
            return cached.health
        }
        if let inFlight { return await inFlight.value }
        let probe = Task { await Self.probe(options: options, process: process, logger: logger) }
        inFlight = probe
        let health = await probe.value
        inFlight = nil
        cached = (health, ContinuousClock.now)
        return health
    }

    /// Runs `<acpx> --version` with only `options.envPassthrough` passed on.
    static func probe(options: AcpxOptions, process: AcpxProcess, logger: Logger) async -> BackendHealth {
        guard !options.command.isEmpty else { return .unhealthy(reason: "acpx.command is empty") }
        let environment = AcpxProcess.environment(passthrough: options.envPassthrough, agentEnv: [:])
        let cwd = FileManager.default.currentDirectoryPath
        do {
            let completed = try await process.run(argv: AcpxCommandLine.version(acpx: options.command), environment: environment,
                                                  cwd: cwd, label: "acpx --version",
                                                  timeoutSeconds: min(options.controlTimeoutSeconds, 15),
                                                  killGraceSeconds: options.killGraceSeconds)
            if completed.timedOut {
                return .unhealthy(reason: "`\(options.command.joined(separator: " ")) --version` did not answer in time")
            }
            guard completed.exit == .exited(0) else {
                return .unhealthy(reason: "`\(options.command.joined(separator: " ")) --version` failed (\(completed.exit)): \(completed.stderrTail.suffix(200))")
            }
            let version = completed.stdout.first { !$0.trimmingHorizontalWhitespace().isEmpty } ?? "?"
            logger.debug("acpx is healthy", metadata: ["version": "\(version.prefix(80))"])
            return .healthy
        } catch {
            return .unhealthy(reason: error.detail ?? error.message)
        }
    }
}
