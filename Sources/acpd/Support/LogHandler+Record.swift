import Logging

extension LogHandler {
    /// A record's metadata as acpd's own handlers write it: the handler's, then the metadata
    /// provider's (the task's correlation fields, `LogCorrelation`), then the record's own, later
    /// ones winning; the record's error as `error`.
    func recordMetadata(_ event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        return merged
    }
}
