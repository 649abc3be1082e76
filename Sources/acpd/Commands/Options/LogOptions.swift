import ArgumentParser
import Logging

/// `--verbose` for the commands that log acpd's own work to stderr (`run`, `chat`): debug level
/// instead of the command's default.
struct LogOptions: ParsableArguments {
    @Flag(name: .long, help: "Log at debug level (to stderr).")
    var verbose = false

    /// Bootstraps logging to stderr at debug when `--verbose`, else at `level`. Call once, first.
    func bootstrap(defaultLevel level: Logger.Level) {
        LogSetup.bootstrap(level: verbose ? .debug : level)
    }
}
