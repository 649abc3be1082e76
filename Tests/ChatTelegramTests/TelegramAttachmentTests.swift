import ACPControlPlane
import AsyncHTTPClient
import ChatCore
@testable import ChatTelegram
import Foundation
import JSONKit
import TelegramFake
import Testing
import TestSupport

/// Attachments: the normaliser's view of photos, documents, voice notes, audio and video, and
/// fetching them through the channel against the fake Bot API (getFile, the capped download).
@Suite("telegram attachments")
struct TelegramAttachmentTests {
    static let human = TelegramUser(id: 111)
    static let privateChat = TelegramChat(id: 111, type: "private")
    static let mb = 1 << 20

    static func normalised(_ change: (inout TelegramMessage) -> Void) -> InboundMessage? {
        var message = TelegramMessage(messageId: 5, from: human, chat: privateChat)
        change(&message)
        guard case .message(let inbound) = TelegramUpdateNormaliser.normalise(TelegramUpdate(updateId: 7, message: message), accountId: "default")
        else { return nil }
        return inbound
    }

    @Test("a photo is its largest size within the 20 MB limit; its caption is the text", arguments: [
        // (sizes as (width, file_size)), expected file id
        ([(90, 1_000), (320, 20_000), (1280, 200_000)], "w1280"),
        ([(1280, 200_000), (90, 1_000), (320, 20_000)], "w1280"),
        ([(320, 20_000), (2560, 21 * mb)], "w320"),
        ([(2560, 21 * mb), (5000, 30 * mb)], "w2560"),
    ])
    func photoSizes(sizes: [(Int, Int)], expected: String) throws {
        let message = try #require(Self.normalised { message in
            message.caption = "what is this?"
            message.photo = sizes.map { TelegramFile(fileId: "w\($0.0)", fileSize: Int64($0.1), width: $0.0, height: $0.0 * 3 / 4) }
        })
        #expect(message.text == "what is this?")
        #expect(message.attachments.count == 1)
        let photo = try #require(message.attachments.first)
        #expect(photo.reference == expected)
        #expect(photo.kind == .photo)
        #expect(photo.fileName == "photo.jpg")
        #expect(photo.mimeType == "image/jpeg")
        #expect(photo.source == nil, "the normaliser fetches nothing; the channel adds the source")
    }

    @Test("a document keeps its name, type and size; a voice note, audio and video get a kind and a default name")
    func documentsAndVoice() throws {
        let document = try #require(Self.normalised {
            $0.caption = "review this"
            $0.document = TelegramFile(fileId: "d1", fileSize: 1234, fileName: "plan.pdf", mimeType: "application/pdf")
        })
        #expect(document.text == "review this")
        #expect(document.attachments == [InboundMessage.Attachment(reference: "d1", kind: .document, fileName: "plan.pdf",
                                                                     mimeType: "application/pdf", sizeBytes: 1234)])
        let voice = try #require(Self.normalised { $0.voice = TelegramFile(fileId: "v1", fileSize: 99) })
        #expect(voice.text == "", "an attachment without caption is a message with empty text")
        #expect(voice.attachments == [InboundMessage.Attachment(reference: "v1", kind: .voice, fileName: "voice.ogg", mimeType: "audio/ogg", sizeBytes: 99)])
        let audio = try #require(Self.normalised { $0.audio = TelegramFile(fileId: "a1", fileName: "song.mp3", mimeType: "audio/mpeg") })
        #expect(audio.attachments.first?.kind == .audio)
        #expect(audio.attachments.first?.fileName == "song.mp3")
        let video = try #require(Self.normalised { $0.video = TelegramFile(fileId: "m1", mimeType: "video/mp4") })
        #expect(video.attachments.first?.kind == .video)
        #expect(video.attachments.first?.fileName == "video.mp4")
        // No file and no text: still a service message.
        #expect(Self.normalised { _ in } == nil)
        // A caption that is a command stays a command (the router ignores nothing of it).
        let command = try #require(Self.normalised {
            $0.caption = "/acp status"
            $0.document = TelegramFile(fileId: "d2")
        })
        #expect(command.text == "/acp status")
    }

    @Test("the Bot API's JSON for a photo message decodes to the attachment")
    func decodesWire() throws {
        let json = #"{"update_id": 3, "message": {"message_id": 9, "date": 1, "chat": {"id": 111, "type": "private"}, "from": {"id": 111, "is_bot": false, "first_name": "A"}, "caption": "hi", "photo": [{"file_id": "s", "file_unique_id": "us", "width": 90, "height": 67, "file_size": 1200}, {"file_id": "l", "file_unique_id": "ul", "width": 1280, "height": 960, "file_size": 98000}]}}"#
        let update = try JSONValueDecoder.decode(TelegramUpdate.self, from: Array(json.utf8).withUnsafeBytes { try JSONParser.parse($0) })
        guard case .message(let message) = TelegramUpdateNormaliser.normalise(update, accountId: "default") else {
            Issue.record("not a message")
            return
        }
        #expect(message.attachments.map(\.reference) == ["l"])
        #expect(message.attachments.first?.sizeBytes == 98000)
    }

    /// Runs `channel` around `body` and hands it the first inbound message.
    func firstMessage(_ channel: TelegramChannel) async throws -> InboundMessage {
        try await withThrowingTaskGroup(of: InboundMessage?.self) { group in
            group.addTask { try await channel.run(); return nil }
            defer { group.cancelAll() }
            var inbound = channel.inbound.makeAsyncIterator()
            let first = try #require(await inbound.next())
            first.complete(.ignored)
            return first.message
        }
    }

    @Test("a document from a message is fetched through getFile and the download, byte for byte")
    func fetchThroughChannel() async throws {
        try await withFakeTelegram { fake, client in
            let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            await fake.state.enqueueDocument(bytes, name: "data set.bin", caption: "look", chat: 111, from: 111)
            let message = try await firstMessage(telegramChannel(fake, client))
            #expect(message.text == "look")
            let attachment = try #require(message.attachments.first)
            #expect(attachment.fileName == "data set.bin")
            #expect(attachment.sizeBytes == 70_000)
            let source = try #require(attachment.source)
            let fetched: [UInt8] = try await source.fetch(limit: 20 << 20)
            #expect(fetched == bytes)
            #expect(await fake.state.downloads.count == 1)
            #expect(await fake.state.calls.contains("getFile"))
        }
    }

    @Test("a photo from a message is fetched in its largest size")
    func photoThroughChannel() async throws {
        try await withFakeTelegram { fake, client in
            let small: [UInt8] = [1, 2, 3]
            let large = [UInt8](repeating: 4, count: 40_000)
            await fake.state.enqueuePhoto([(small, 90, 67), (large, 1280, 960)], chat: forumChat, from: 111, topic: 42)
            let message = try await firstMessage(telegramChannel(fake, client))
            #expect(message.text == "")
            #expect(message.conversation.conversationId == "\(forumChat):topic:42")
            let photo = try #require(message.attachments.first)
            #expect(photo.kind == .photo)
            #expect(photo.sizeBytes == 40_000)
            let fetched: [UInt8] = try await #require(photo.source).fetch(limit: 20 << 20)
            #expect(fetched == large)
        }
    }

    @Test("over 20 MB: refused without a request when the message says so, else by getFile; a download over the limit stops")
    func sizeCap() async throws {
        try await withFakeTelegram { fake, client in
            // The message declares 25 MB: no request at all.
            await fake.state.enqueueDocument([1, 2, 3], name: "big.iso", chat: 111, from: 111, declaredSize: 25 << 20)
            let message = try await firstMessage(telegramChannel(fake, client))
            let source = try #require(message.attachments.first?.source)
            await #expect(throws: AttachmentFetchError.tooBig(size: 25 << 20, limit: 20 << 20)) { try await source.fetch(limit: 1 << 30) }
            #expect(await !fake.state.calls.contains("getFile"))
            // Size unknown to the message: getFile answers "file is too big".
            let api = TelegramBotAPI(apiRoot: fake.apiRoot, token: testToken, client: client)
            let hidden = await fake.state.addFile([1], name: "hidden.iso", declaredSize: 21 << 20)
            await #expect(throws: AttachmentFetchError.tooBig(size: nil, limit: 20 << 20)) {
                try await TelegramFileSource(api: api, fileId: hidden, declaredSize: nil).fetch(limit: 1 << 30)
            }
            // Telegram's size says small but more bytes come: the download stops at the cap.
            let liar = await fake.state.addFile(Array(repeating: 9, count: 5000), name: "liar.bin", declaredSize: 10)
            await #expect(throws: AttachmentFetchError.tooBig(size: nil, limit: 1000)) {
                try await TelegramFileSource(api: api, fileId: liar, declaredSize: nil).fetch(limit: 1000)
            }
            let all: [UInt8] = try await TelegramFileSource(api: api, fileId: liar, declaredSize: nil).fetch(limit: 5000)
            #expect(all.count == 5000)
        }
    }

    @Test("an unknown file id and a failed download are unavailable, with Telegram's reason")
    func failures() async throws {
        try await withFakeTelegram { fake, client in
            let api = TelegramBotAPI(apiRoot: fake.apiRoot, token: testToken, client: client)
            await #expect(throws: AttachmentFetchError.unavailable("Telegram answered 400: Bad Request: invalid file_id")) {
                try await TelegramFileSource(api: api, fileId: "no-such-file", declaredSize: nil).fetch(limit: 1000)
            }
            let id = await fake.state.addFile([1, 2], name: "x.txt")
            await fake.state.failNextDownload()
            await #expect(throws: AttachmentFetchError.unavailable("the download failed: Telegram answered 502: Bad Gateway")) {
                try await TelegramFileSource(api: api, fileId: id, declaredSize: 2).fetch(limit: 1000)
            }
            // The next try works.
            let again: [UInt8] = try await TelegramFileSource(api: api, fileId: id, declaredSize: 2).fetch(limit: 1000)
            #expect(again == [1, 2])
        }
    }
}
