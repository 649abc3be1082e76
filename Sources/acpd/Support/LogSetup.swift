import ACPControlPlane
import Bindings
import Logging

/// The process-wide log handler of the serving commands, on stderr at `level`: swift-log's text
/// stream, or one JSON object per line (`JSONLogHandler`). Both add the current task's
/// correlation fields (`LogCorrelation`).
enum LogSetup {
    /// How log lines are written.
    enum Format: String, CaseIterable {
        case text, json
    }

    static func bootstrap(level: Logger.Level, format: Format = .text) {
        LoggingSystem.bootstrap({ label, provider in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                handler.logLevel = level
                return handler
            case .json:
                return JSONLogHandler(label: label, logLevel: level, metadataProvider: provider)
            }
        }, metadataProvider: LogCorrelation.provider)
    }
}
