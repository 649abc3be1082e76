import Logging

/// The process-wide log handler of the serving commands, on stderr at `level`: swift-log's text
/// stream, or one JSON object per line (`JSONLogHandler`).
enum LogSetup {
    /// How log lines are written.
    enum Format: String, CaseIterable {
        case text, json
    }

    /// Every logger writes to stderr and to `LogRing.shared` (`/acp logs`), both at `level`.
    static func bootstrap(level: Logger.Level, format: Format = .text) {
        LoggingSystem.bootstrap { label in
            let stderr: any LogHandler
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                stderr = handler
            case .json:
                stderr = JSONLogHandler(label: label, logLevel: level)
            }
            return MultiplexLogHandler([stderr, LogRingHandler(label: label, ring: LogRing.shared, logLevel: level)])
        }
    }
}
