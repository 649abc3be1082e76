/// Where the bytes of an attachment come from: the channel that received it implements this
/// (it knows the platform's file ids and how to download them), the router calls it only for a
/// message that passed dedupe and access and is about to become a prompt, so a redelivered
/// message never fetches twice.
public protocol AttachmentSource: Sendable {
    /// The attachment's bytes, downloaded now. Never returns more than `limit` bytes: a file
    /// known or found (while streaming) to be bigger fails with `tooBig` (the platform's own
    /// limit may be lower than `limit` and then wins).
    func fetch(limit: Int) async throws(AttachmentFetchError) -> [UInt8]
}

/// Why an attachment could not be fetched.
public enum AttachmentFetchError: Error, Sendable, Equatable {
    /// Bigger than the limit (`size`: its size in bytes when known).
    case tooBig(size: Int?, limit: Int)
    /// The platform refused it or the download failed; `reason` is safe to show in chat.
    case unavailable(String)
}
