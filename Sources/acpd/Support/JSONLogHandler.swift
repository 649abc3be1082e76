import JSONKit
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `--log-format json`: one JSON object per line on stderr — `time`, `level`, `label`, `message`,
/// then the record's metadata (the correlation fields the code attaches: `conversation`, `run`,
/// `session`, `account`, …) as strings, in key order. Each line is one `write(2)`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        StandardStreams.error(Self.line(time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: recordMetadata(event)) + "\n")
    }

    /// The JSON text of one record.
    static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var object = JSONObject()
        object["time"] = .string(time.formatted(.iso8601))
        object["level"] = .string(level.rawValue)
        object["label"] = .string(label)
        object["message"] = .string(message)
        for key in metadata.keys.sorted() where object[key] == nil {
            object[key] = .string("\(metadata[key]!)")
        }
        return JSONValue.object(object).jsonText(options: [.withoutEscapingSlashes])
    }
}
