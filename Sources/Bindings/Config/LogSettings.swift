/// `log`: how acpd writes its own log (stderr) when the command line does not say
/// (`--log-format`, `--log-level` win). Read at start; a reload (SIGHUP) does not change it.
public struct LogSettings: Sendable, Equatable {
    /// The line formats of `log.format`.
    public static let formats = ["text", "json"]
    /// The levels of `log.level` (swift-log's, lowest first).
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// `text` or `json`.
    public var format: String
    /// One of `levels`, or nil: the command's own default (`run` info, `chat` warning).
    public var level: String?

    public init(format: String = "text", level: String? = nil) {
        self.format = format
        self.level = level
    }
}
