/// A file as the Bot API describes it: `PhotoSize`, `Document`, `Voice`, `Audio`, `Video` (the
/// fields acpd reads are common to all of them) and `File`, what `getFile` answers.
public struct TelegramFile: Sendable, Equatable, Decodable {
    /// The id to download it with (`getFile`); valid for this bot only.
    public var fileId: String
    /// Size in bytes, when Telegram knows it.
    public var fileSize: Int64?
    /// The sender's file name (documents, audio, video).
    public var fileName: String?
    public var mimeType: String?
    /// A photo size's dimensions.
    public var width: Int?
    public var height: Int?
    /// `getFile`'s answer: the path to download from `<apiRoot>/file/bot<token>/<file_path>`.
    public var filePath: String?

    enum CodingKeys: String, CodingKey {
        case fileId = "file_id", fileSize = "file_size", fileName = "file_name", mimeType = "mime_type", width, height
        case filePath = "file_path"
    }

    /// A file (tests build them; the poller decodes them).
    public init(fileId: String, fileSize: Int64? = nil, fileName: String? = nil, mimeType: String? = nil,
                width: Int? = nil, height: Int? = nil, filePath: String? = nil) {
        self.fileId = fileId
        self.fileSize = fileSize
        self.fileName = fileName
        self.mimeType = mimeType
        self.width = width
        self.height = height
        self.filePath = filePath
    }
}
