import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import Synchronization
import TestSupport
import Testing

/// An attachment's bytes held in memory, counting fetches; or a fixed failure.
final class CountingSource: AttachmentSource {
    let bytes: [UInt8]
    let failure: AttachmentFetchError?
    private let count = Mutex(0)
    var fetches: Int { count.withLock { $0 } }

    init(_ bytes: [UInt8], failure: AttachmentFetchError? = nil) {
        self.bytes = bytes
        self.failure = failure
    }

    func fetch(limit: Int) async throws(AttachmentFetchError) -> [UInt8] {
        count.withLock { $0 += 1 }
        if let failure { throw failure }
        guard bytes.count <= limit else { throw .tooBig(size: bytes.count, limit: limit) }
        return bytes
    }
}

/// Attachments through the router, the real session manager and store, and the demo agent
/// (which echoes each `resource_link` and `image` it got).
@Suite("Router attachments", .serialized)
struct RouterAttachmentTests {
    static let routed = RouterHarness.routed
    static let seeing = ConversationRef(channel: .http, conversationId: "seeing")
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]

    static func message(_ text: String, in conversation: ConversationRef = routed, key: String = UUID().uuidString,
                        _ attachments: InboundMessage.Attachment...) -> InboundMessage {
        InboundMessage(conversation: conversation, senderId: "alice", text: text, attachments: attachments, idempotencyKey: key)
    }

    static func inbox(_ cwd: URL) -> URL { cwd.appendingPathComponent(".acpd/inbox") }

    static func savedFiles(_ cwd: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inbox(cwd).path)) ?? []).filter { $0 != ".gitignore" }.sorted()
    }

    @Test("a document with a caption is saved under the session's cwd (0600) and linked; the agent gets the caption and the link")
    func documentSavedAndLinked() async throws {
        try await RouterHarness.with { h in
            let source = CountingSource(Array("hello file".utf8))
            let attachment = InboundMessage.Attachment(reference: "doc-1", kind: .document, fileName: "../../notes v2.txt",
                                                       mimeType: "text/plain", sizeBytes: 10, source: source)
            let outcome = await h.router.handle(Self.message("please read", attachment), channel: h.channel)
            let runId = try #require(outcome.runId, "\(outcome)")
            #expect(try await h.waitForRunEnd(runId).state == .completed)
            let saved = Self.savedFiles(h.dir)
            let day = AttachmentInbox.day(Int(Date().timeIntervalSince1970))
            #expect(saved == ["\(day)-notes_v2.txt"])
            let path = Self.inbox(h.dir).appendingPathComponent(saved.first ?? "").path
            #expect(FileManager.default.contents(atPath: path) == Data("hello file".utf8))
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let real = RealPath.resolve(path)
            try await h.channel.waitForMessage(in: Self.routed, containing: "echo: please read\n[resource_link file://\(real)]")
            #expect(source.fetches == 1)
        }
    }

    @Test("an image goes inline only to an agent that advertised images, once known; else it is saved and linked")
    func imageInlineOrFile() async throws {
        try await RouterHarness.with { h in
            func photo(_ source: CountingSource) -> InboundMessage.Attachment {
                InboundMessage.Attachment(reference: "p", kind: .photo, fileName: "photo.jpg", mimeType: "image/jpeg", source: source)
            }
            let seerCwd = h.dir.appendingPathComponent("seer-workspace")
            // The seer has not started since the daemon started: its capabilities are unknown, so a file.
            let first = await h.router.handle(Self.message("look", in: Self.seeing, photo(CountingSource(Self.jpeg))), channel: h.channel)
            #expect(try await h.waitForRunEnd(try #require(first.runId)).state == .completed)
            try await h.channel.waitForMessage(in: Self.seeing, containing: "echo: look\n[resource_link file://")
            #expect(Self.savedFiles(seerCwd).count == 1)
            // Now it advertised images: inline, nothing saved.
            let second = await h.router.handle(Self.message("again", in: Self.seeing, photo(CountingSource(Self.jpeg))), channel: h.channel)
            #expect(try await h.waitForRunEnd(try #require(second.runId)).state == .completed)
            try await h.channel.waitForMessage(in: Self.seeing, containing: "echo: again\n[image image/jpeg 6 bytes]")
            #expect(Self.savedFiles(seerCwd).count == 1)
            // An image bigger than the inline limit is saved even for the seer.
            let big = [UInt8](repeating: 7, count: InboundRouter.maxInlineImageBytes + 1)
            let third = await h.router.handle(Self.message("big", in: Self.seeing, photo(CountingSource(big))), channel: h.channel)
            #expect(try await h.waitForRunEnd(try #require(third.runId)).state == .completed)
            try await h.channel.waitForMessage(in: Self.seeing, containing: "echo: big\n[resource_link file://")
            #expect(Self.savedFiles(seerCwd).count == 2)
            // The plain demo agent (no images) gets a file, after it started too.
            _ = try await h.waitForRunEnd(try #require(await h.send("warm up").runId))
            let plain = await h.router.handle(Self.message("", photo(CountingSource(Self.jpeg))), channel: h.channel)
            #expect(try await h.waitForRunEnd(try #require(plain.runId)).state == .completed)
            try await h.channel.waitForMessage(in: Self.routed, containing: "echo: [resource_link file://")
            #expect(Self.savedFiles(h.dir).count == 1)
        }
    }

    @Test("a redelivered message with an attachment fetches once, saves once and starts one run; its key with another file is a conflict")
    func redeliveryFetchesOnce() async throws {
        try await RouterHarness.with { h in
            let source = CountingSource(Array("x".utf8))
            let attachment = InboundMessage.Attachment(reference: "d", kind: .document, fileName: "a.txt", source: source)
            let first = await h.router.handle(Self.message("once", key: "k-1", attachment), channel: h.channel)
            let second = await h.router.handle(Self.message("once", key: "k-1", attachment), channel: h.channel)
            #expect(first == second)
            _ = try await h.waitForRunEnd(try #require(first.runId))
            #expect(source.fetches == 1)
            #expect(Self.savedFiles(h.dir).count == 1)
            let key = try SessionKeys.route(agentId: "demo", conversation: Self.routed)
            #expect(try h.store.runs(session: key).count == 1)
            // The same key with another file is a conflict: nothing fetched, nothing started.
            let other = CountingSource(Array("y".utf8))
            let reused = await h.router.handle(Self.message("once", key: "k-1", InboundMessage.Attachment(reference: "e", source: other)),
                                               channel: h.channel)
            #expect(reused == .keyConflict)
            #expect(other.fetches == 0)
        }
    }

    @Test("too big or unfetchable: a clear ERROR reply, nothing saved, no run")
    func fetchFailures() async throws {
        try await RouterHarness.with { h in
            let tooBig = InboundMessage.Attachment(reference: "d", kind: .document, fileName: "huge.iso",
                                                   source: CountingSource([], failure: .tooBig(size: 26_529_792, limit: 20 << 20)))
            let big = await h.router.handle(Self.message("caption", tooBig), channel: h.channel)
            #expect(big.runId == nil)
            #expect(big.reply == "ERROR: huge.iso is 25.3 MB; files from chat can be at most 20 MB, so nothing was sent to the agent"
                + "\nnext: send a smaller file, or put it in the session's workspace and give its path")
            let gone = InboundMessage.Attachment(reference: "d", kind: .voice, source: CountingSource([], failure: .unavailable("Telegram answered 400: Bad Request: invalid file_id")))
            let failed = await h.router.handle(Self.message("", gone), channel: h.channel)
            #expect(failed.runId == nil)
            #expect(failed.reply?.hasPrefix("ERROR: voice could not be fetched (Telegram answered 400: Bad Request: invalid file_id)") == true)
            try await h.channel.waitForMessage(in: Self.routed, containing: "ERROR: voice could not be fetched")
            #expect(Self.savedFiles(h.dir).isEmpty)
            let key = try SessionKeys.route(agentId: "demo", conversation: Self.routed)
            #expect(try h.store.runs(session: key).isEmpty)
        }
    }

    @Test("an attachment without a source is linked by its reference, unfetched")
    func unfetchedReference() async throws {
        try await RouterHarness.with { h in
            let link = InboundMessage.Attachment(reference: "https://example.com/x.pdf", fileName: "x.pdf")
            let outcome = await h.router.handle(Self.message("see", link), channel: h.channel)
            _ = try await h.waitForRunEnd(try #require(outcome.runId))
            try await h.channel.waitForMessage(in: Self.routed, containing: "echo: see\n[resource_link https://example.com/x.pdf]")
            #expect(Self.savedFiles(h.dir).isEmpty)
        }
    }
}
