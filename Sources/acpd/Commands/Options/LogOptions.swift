import ArgumentParser
import Logging

/// How the commands that log acpd's own work to stderr (`run`, `chat`) log: `--verbose` (debug),
/// `--log-level`, `--log-format text|json`.
struct LogOptions: ParsableArguments {
    @Flag(name: .long, help: "Log at debug level (to stderr).")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (default: the command's; --verbose: debug).", valueName: "LEVEL"))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp("text, or json: one JSON object per line with the record's correlation fields.", valueName: "FORMAT"))
    var logFormat = "text"

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level \(logLevel): expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if LogSetup.Format(rawValue: logFormat) == nil {
            throw ValidationError("--log-format \(logFormat): expected text or json")
        }
    }

    /// Bootstraps logging to stderr: `--log-level`, else debug when `--verbose`, else `level`.
    /// Call once, first.
    func bootstrap(defaultLevel level: Logger.Level) {
        let chosen = logLevel.flatMap(Logger.Level.init(rawValue:)) ?? (verbose ? .debug : level)
        LogSetup.bootstrap(level: chosen, format: LogSetup.Format(rawValue: logFormat) ?? .text)
    }
}
