import ACPControlPlane
@testable import ChatCore
import Foundation
import TestSupport
import Testing

/// The inbox under a session's cwd: safe names, collisions, symlinks, permissions.
@Suite("Attachment inbox")
struct AttachmentInboxTests {
    @Test("names are reduced to one safe component", arguments: [
        ("notes.txt", "notes.txt"),
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("..", "file"),
        ("...", "file"),
        (".bashrc", "bashrc"),
        ("a/..", "file"),
        ("C:\\Users\\x\\report.docx", "report.docx"),
        ("a b?*<>|.txt", "a_b_____.txt"),
        ("отчёт 1.pdf", "отчёт_1.pdf"),
        ("name.", "name"),
        ("\u{0}evil\n.txt", "evil_.txt"),
        ("", "file"),
        ("///", "file"),
    ])
    func safeNames(raw: String, expected: String) {
        #expect(AttachmentInbox.safeName(raw, fallback: "file") == expected)
        #expect(AttachmentInbox.safeName(nil, fallback: "photo.jpg") == "photo.jpg")
    }

    @Test("a long name is cut below the limit and keeps its extension")
    func longName() {
        let name = AttachmentInbox.safeName(String(repeating: "ä", count: 300) + ".tar", fallback: "file")
        #expect(name.utf8.count <= AttachmentInbox.maxNameBytes)
        #expect(name.hasSuffix("ä.tar"))
    }

    @Test("the day is the UTC date")
    func day() {
        #expect(AttachmentInbox.day(0) == "1970-01-01")
        #expect(AttachmentInbox.day(1_764_979_199) == "2025-12-05")
    }

    @Test("files land in <cwd>/.acpd/inbox, 0600, with a suffix on collision and a .gitignore")
    func collisions() async throws {
        try await withTemporaryDirectory { dir in
            let now = 1_764_979_199
            let first = try AttachmentInbox.save([1], name: "a.txt", cwd: dir.path, now: now)
            let second = try AttachmentInbox.save([2], name: "a.txt", cwd: dir.path, now: now)
            let third = try AttachmentInbox.save([3], name: "noext", cwd: dir.path, now: now)
            let fourth = try AttachmentInbox.save([4], name: "noext", cwd: dir.path, now: now)
            let inbox = RealPath.resolve(dir.appendingPathComponent(".acpd/inbox").path)
            #expect(first == "\(inbox)/2025-12-05-a.txt")
            #expect(second == "\(inbox)/2025-12-05-a-1.txt")
            #expect(third == "\(inbox)/2025-12-05-noext")
            #expect(fourth == "\(inbox)/2025-12-05-noext-1")
            #expect(FileManager.default.contents(atPath: first) == Data([1]))
            #expect(FileManager.default.contents(atPath: second) == Data([2]))
            for path in [first, second] {
                #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
            }
            #expect(FileManager.default.contents(atPath: "\(inbox)/.gitignore") == Data("*\n".utf8))
        }
    }

    @Test("a symlinked .acpd or inbox is refused; a symlink at the file's name is never written through")
    func symlinks() async throws {
        try await withTemporaryDirectory { dir in
            let outside = dir.appendingPathComponent("outside")
            let cwd = dir.appendingPathComponent("cwd")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
            // .acpd → outside
            try FileManager.default.createSymbolicLink(at: cwd.appendingPathComponent(".acpd"), withDestinationURL: outside)
            #expect(throws: AttachmentInbox.Failure.self) { try AttachmentInbox.save([1], name: "x", cwd: cwd.path, now: 0) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
            // .acpd real, inbox → outside
            try FileManager.default.removeItem(at: cwd.appendingPathComponent(".acpd"))
            try FileManager.default.createDirectory(at: cwd.appendingPathComponent(".acpd"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(at: cwd.appendingPathComponent(".acpd/inbox"), withDestinationURL: outside)
            #expect(throws: AttachmentInbox.Failure.self) { try AttachmentInbox.save([1], name: "x", cwd: cwd.path, now: 0) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
            // A planted symlink at the target name: the write goes to the next name instead.
            try FileManager.default.removeItem(at: cwd.appendingPathComponent(".acpd/inbox"))
            try FileManager.default.createDirectory(at: cwd.appendingPathComponent(".acpd/inbox"), withIntermediateDirectories: true)
            let victim = outside.appendingPathComponent("victim")
            try Data("keep".utf8).write(to: victim)
            try FileManager.default.createSymbolicLink(at: cwd.appendingPathComponent(".acpd/inbox/1970-01-01-x"), withDestinationURL: victim)
            let saved = try AttachmentInbox.save([9], name: "x", cwd: cwd.path, now: 0)
            #expect(saved.hasSuffix("/.acpd/inbox/1970-01-01-x-1"))
            #expect(FileManager.default.contents(atPath: victim.path) == Data("keep".utf8))
        }
    }

    @Test("a cwd reached through a symlink saves below its real path")
    func symlinkedCwd() async throws {
        try await withTemporaryDirectory { dir in
            let real = dir.appendingPathComponent("real")
            try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
            let link = dir.appendingPathComponent("link")
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
            let saved = try AttachmentInbox.save([1], name: "y", cwd: link.path, now: 0)
            #expect(saved == RealPath.resolve(real.path) + "/.acpd/inbox/1970-01-01-y")
        }
    }

    @Test("file URIs percent-encode everything but unreserved characters and slashes")
    func fileURI() {
        #expect(InboundRouter.fileURI("/srv/my repo/ä.txt") == "file:///srv/my%20repo/%C3%A4.txt")
    }

    @Test("sizes are shown in MB as Telegram counts them")
    func megabytes() {
        #expect(InboundRouter.megabytes(20 << 20) == "20 MB")
        #expect(InboundRouter.megabytes(26_529_792) == "25.3 MB")
    }
}

