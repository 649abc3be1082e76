import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Attachments of a prompt: fetched from their channel, passed to the agent as ACP content.
extension InboundRouter {
    /// Largest attachment fetched (the Telegram Bot API's download limit).
    public static let maxAttachmentBytes = 20 << 20
    /// Largest image passed inline as an `image` block; a bigger one is saved as a file (agents'
    /// model APIs reject big inline images: Anthropic's limit is 5 MB).
    public static let maxInlineImageBytes = 5 << 20
    /// Image types passed inline (the ones model APIs take).
    static let inlineImageTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp"]

    /// Why a prompt's attachment stopped it: the `ERROR:` reply; nothing was submitted.
    struct AttachmentRefusal: Error {
        let reply: String
    }

    /// The blocks for `attachments` of a prompt to session `key`. Each one with a source is
    /// fetched now (this runs only after dedupe and access: a redelivered message never gets
    /// here): an image the agent takes (it advertised `promptCapabilities.image` when it last
    /// started) becomes an `image` block, anything else is saved in the session's cwd
    /// (`AttachmentInbox`) and linked as a `file://` `resource_link`. One without a source is
    /// linked by its reference, unfetched.
    func attachmentBlocks(_ attachments: [InboundMessage.Attachment], session key: SessionKey) async throws -> [ContentBlock] {
        guard !attachments.isEmpty else { return [] }
        guard let session = try store.session(key) else { throw ACPError(.sessionNotFound, message: "no session \(key)") }
        let takesImages = manager.promptCapabilities(ofAgent: session.agentId)?.image ?? false
        var blocks: [ContentBlock] = []
        for attachment in attachments {
            let name = attachment.fileName ?? attachment.kind.rawValue
            guard let source = attachment.source else {
                blocks.append(.resourceLink(uri: attachment.reference, name: name, mimeType: attachment.mimeType))
                continue
            }
            let bytes: [UInt8]
            do {
                bytes = try await source.fetch(limit: Self.maxAttachmentBytes)
            } catch {
                throw AttachmentRefusal(reply: Self.refusal(error, name: name))
            }
            if takesImages, Self.inlineImageTypes.contains(Self.mediaType(attachment)), bytes.count <= Self.maxInlineImageBytes {
                blocks.append(.image(base64: Data(bytes).base64EncodedString(), mimeType: Self.mediaType(attachment)))
                logger.info("attachment passed as an image", metadata: ["session": "\(key)", "kind": "\(attachment.kind.rawValue)", "bytes": "\(bytes.count)"])
                continue
            }
            let path: String
            do {
                path = try AttachmentInbox.save(bytes, name: AttachmentInbox.safeName(attachment.fileName, fallback: Self.fallbackName(attachment)),
                                                cwd: session.cwd, now: Int(Date().timeIntervalSince1970))
            } catch {
                logger.error("attachment not saved", metadata: ["session": "\(key)", "error": "\(error.message)"])
                throw AttachmentRefusal(reply: ChatReply.error("\(name) could not be saved for the agent: \(error.message); nothing was sent to the agent"))
            }
            logger.info("attachment saved", metadata: ["session": "\(key)", "kind": "\(attachment.kind.rawValue)", "bytes": "\(bytes.count)", "path": "\(path)"])
            let saved = String(path[path.index(after: path.lastIndex(of: "/")!)...])
            blocks.append(.resourceLink(uri: Self.fileURI(path), name: saved, mimeType: attachment.mimeType))
        }
        return blocks
    }

    /// The attachment's media type, lowercased without parameters (a photo is a JPEG).
    static func mediaType(_ attachment: InboundMessage.Attachment) -> String {
        let type = attachment.mimeType ?? (attachment.kind == .photo ? "image/jpeg" : "")
        return String(type.prefix { $0 != ";" }.filter { !$0.isWhitespace }).lowercased()
    }

    /// A name for an attachment the platform gave none.
    static func fallbackName(_ attachment: InboundMessage.Attachment) -> String {
        switch attachment.kind {
        case .photo: "photo.jpg"
        case .voice: "voice.ogg"
        case .video: "video.mp4"
        case .audio: "audio"
        case .document: "file"
        }
    }

    /// `file://` and the path, percent-encoded outside RFC 3986's unreserved characters and `/`.
    static func fileURI(_ path: String) -> String {
        "file://" + PercentEncoding.encode(path, keeping: [UInt8(ascii: "/")])
    }

    /// The `ERROR:` reply for an attachment that could not be fetched.
    static func refusal(_ error: AttachmentFetchError, name: String) -> String {
        switch error {
        case .tooBig(let size, let limit):
            let what = size.map { "\(name) is \(megabytes($0))" } ?? "\(name) is bigger than \(megabytes(limit))"
            return ChatReply.error("\(what); files from chat can be at most \(megabytes(limit)), so nothing was sent to the agent")
                + "\nnext: send a smaller file, or put it in the session's workspace and give its path"
        case .unavailable(let reason):
            return ChatReply.error("\(name) could not be fetched (\(reason)); nothing was sent to the agent")
                + "\nnext: send it again"
        }
    }

    /// `20 MB`, `25.3 MB` (MB = 2^20 bytes, as Telegram counts its limit).
    static func megabytes(_ bytes: Int) -> String {
        let tenths = (bytes * 10 + (1 << 20) / 2) >> 20
        return tenths % 10 == 0 ? "\(tenths / 10) MB" : "\(tenths / 10).\(tenths % 10) MB"
    }
}
