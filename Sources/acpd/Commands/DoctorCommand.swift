import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `acpd doctor`: every check of CONTRACT §6, each `pass|warn|fail|skip` with a fix hint.
/// Read-only: it never creates or writes the store. Exits 0 when nothing fails, 1 otherwise.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the config, agents, store and chat accounts; print a fix for each problem.",
        discussion: """
        Checks: config valid; every agent command resolves; every agent answers initialize and
        creates a session (with --smoke, also runs one prompt); the store opens, passes
        integrity_check and has a current schema (never created or written); stale bindings;
        the reconcile dry run; workspace roots exist; each Telegram/Discord token works.
        Exits 0 when no check fails, 1 otherwise. See docs/operations.md.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Print the checks as JSON: {\"checks\": [{name, status, detail, hint}], \"ok\": bool}.")
    var json = false

    @Flag(name: .long, help: "Also send one prompt to every agent and check that the turn ends.")
    var smoke = false

    @OptionGroup var trace: AgentTraceOptions

    func run() async throws {
        let report = await Self.checks(configOption: config.path, smoke: smoke, verbose: trace.verbose)
        print(json ? report.json() : report.human())
        if !report.ok { throw ExitCode(1) }
    }

    /// Runs every check in order; later checks are skipped when the config does not load.
    static func checks(configOption: String?, smoke: Bool, verbose: Bool) async -> DoctorReport {
        let (loaded, configCheck) = ConfigChecks.load(option: configOption)
        guard let settings = loaded else {
            let reason = "not checked: the config does not load"
            return DoctorReport(checks: [configCheck] + ["agents", "store", "workspace roots", ResourceChecks.name, "chat accounts"].map {
                DoctorCheck.skip($0, reason, hint: "fix the config first")
            })
        }
        var checks = [configCheck]
        let registry = await RuntimeRegistryFactory.make(config: settings, verbose: verbose)
        checks += await AgentChecks(config: settings, registry: registry, smoke: smoke).run()
        checks += StoreChecks(config: settings).run()
        checks.append(ConfigChecks.workspaceRoots(settings))
        checks.append(ResourceChecks.openFiles(settings))
        checks += await ChannelChecks(config: settings).run()
        return DoctorReport(checks: checks)
    }
}
