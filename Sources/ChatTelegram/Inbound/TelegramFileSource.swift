import ChatCore

/// How the router fetches a Telegram attachment: `getFile`, then the download, capped at the
/// Bot API's 20 MB download limit (or the router's lower limit). A file whose size is known to
/// be bigger is refused before any request.
struct TelegramFileSource: AttachmentSource {
    /// The Bot API's download limit ("up to 20 MB").
    static let maxDownloadBytes = 20 << 20

    let api: TelegramBotAPI
    let fileId: String
    /// The size the message declared, if any.
    let declaredSize: Int?

    func fetch(limit: Int) async throws(AttachmentFetchError) -> [UInt8] {
        let cap = min(limit, Self.maxDownloadBytes)
        if let declaredSize, declaredSize > cap { throw .tooBig(size: declaredSize, limit: cap) }
        let file: TelegramFile
        do {
            file = try await api.getFile(fileId)
        } catch {
            if case .api(400, let description, _) = error, description.contains("file is too big") {
                throw .tooBig(size: declaredSize, limit: cap)
            }
            throw .unavailable("\(error)")
        }
        if let size = file.fileSize, size > cap { throw .tooBig(size: Int(size), limit: cap) }
        guard let path = file.filePath, !path.isEmpty else { throw .unavailable("Telegram gave no file path for it") }
        let bytes: [UInt8]?
        do {
            bytes = try await api.download(filePath: path, limit: cap)
        } catch {
            throw .unavailable("the download failed: \(error)")
        }
        guard let bytes else { throw .tooBig(size: nil, limit: cap) }
        return bytes
    }
}
