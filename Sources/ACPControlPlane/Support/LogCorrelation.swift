import Logging

/// The correlation fields of the work a task is doing (`channel`, `account`, `conversation`,
/// `sender`, `command`, `session`, `run`), carried as a task-local so every log line written on
/// the way carries them without each call site passing them: the inbound router sets the
/// message's, a command adds its name, a session's run adds the session and run. Child tasks and
/// `Task {}` inherit them. The log handlers read them through `provider`.
public enum LogCorrelation {
    @TaskLocal public static var fields: Logger.Metadata = [:]

    /// Adds the log handlers' metadata: the current task's correlation fields.
    public static let provider = Logger.MetadataProvider { fields }

    /// Runs `operation` with `added` merged over the current fields.
    public static func with<T>(_ added: Logger.Metadata, isolation: isolated (any Actor)? = #isolation,
                               _ operation: () async throws -> T) async rethrows -> T {
        var merged = fields
        merged.merge(added) { _, new in new }
        return try await $fields.withValue(merged, operation: operation, isolation: isolation)
    }
}
