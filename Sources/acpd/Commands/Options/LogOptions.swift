import ArgumentParser
import Bindings
import Logging

/// How the commands that log acpd's own work to stderr (`run`, `chat`) log: `--verbose` (debug),
/// `--log-level`, `--log-format text|json`; what they leave open comes from the config's `log`
/// section, then the command's default.
struct LogOptions: ParsableArguments {
    @Flag(name: .long, help: "Log at debug level (to stderr).")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (default: the command's; --verbose: debug).", valueName: "LEVEL"))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp("text, or json: one JSON object per line with the record's correlation fields (default: the config's log.format, else text).", valueName: "FORMAT"))
    var logFormat: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level \(logLevel): expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let logFormat, LogSetup.Format(rawValue: logFormat) == nil {
            throw ValidationError("--log-format \(logFormat): expected text or json")
        }
    }

    /// Bootstraps logging to stderr. Level: `--log-level`, else debug when `--verbose`, else the
    /// config's `log.level`, else `level`. Format: `--log-format`, else the config's `log.format`,
    /// else text. Call once, first (before any logger writes).
    func bootstrap(defaultLevel level: Logger.Level, config: LogSettings? = nil) {
        let configured = config?.level.flatMap(Logger.Level.init(rawValue:))
        let chosen = logLevel.flatMap(Logger.Level.init(rawValue:)) ?? (verbose ? .debug : configured ?? level)
        let format = (logFormat ?? config?.format).flatMap(LogSetup.Format.init(rawValue:)) ?? .text
        LogSetup.bootstrap(level: chosen, format: format)
    }
}
