import ACPControlPlane
import Bindings
import ChatCore
import Logging
import RuntimeBackends

/// Builds the backend registry from config: `stdio` always, and `acpx` driving `acpx.command`.
enum RuntimeRegistryFactory {
    static func make(config: ACPDConfig, verbose: Bool = false) async -> BackendRegistry {
        var logger = Logger(label: "acpd.runtime")
        logger.logLevel = verbose ? .debug : .warning
        var stdioOptions = StdioRuntimeOptions()
        stdioOptions.clientVersion = ACPDVersion.current
        var acpxOptions = AcpxOptions(
            command: [config.acpxCommand],
            permissionMode: AcpxPermissionMode(rawValue: config.acp.permissions.mode.rawValue) ?? .ask,
            envPassthrough: config.acp.envPassthrough
        )
        // Lets a restarted acpd close acpx sessions an earlier process opened (docs/runtime-acpx.md).
        acpxOptions.sessionRecordDirectory = PathRules.join(config.stateDir, "acpx-sessions")
        let registry = BackendRegistry()
        await registry.register(StdioRuntime(options: stdioOptions, logger: logger))
        await registry.register(AcpxRuntime(options: acpxOptions, logger: logger))
        return registry
    }
}
