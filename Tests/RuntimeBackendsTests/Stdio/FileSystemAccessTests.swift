import Foundation
import Testing
import TestSupport
@testable import RuntimeBackends

@Suite("fs/* confinement to the session cwd")
struct FileSystemAccessTests {
    @Test("reads honour 1-based line/limit; writes create files; escapes are refused")
    func confinement() async throws {
        try await withTemporaryDirectory { dir in
            let root = dir.appendingPathComponent("root").path
            let outside = dir.appendingPathComponent("outside").path
            try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try "one\ntwo\nthree\nfour\n".write(toFile: root + "/a.txt", atomically: true, encoding: .utf8)
            try "secret".write(toFile: outside + "/secret.txt", atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: outside)

            func read(_ path: String, line: Int? = nil, limit: Int? = nil) throws(JSONRPCError) -> String {
                try FileSystemAccess.read(ReadTextFileRequest(sessionId: "s", path: path, line: line, limit: limit), root: root)
            }
            #expect(try read(root + "/a.txt") == "one\ntwo\nthree\nfour\n")
            #expect(try read(root + "/a.txt", line: 2, limit: 2) == "two\nthree\n")
            #expect(try read(root + "/a.txt", line: 4) == "four\n")

            try FileSystemAccess.write(WriteTextFileRequest(sessionId: "s", path: root + "/sub/new.txt", content: "hi"), root: root)
            #expect(try String(contentsOfFile: root + "/sub/new.txt", encoding: .utf8) == "hi")

            let refused: [String] = [
                "a.txt",                              // relative
                root + "/../outside/secret.txt",      // traversal
                root + "/link/secret.txt",            // symlink out of the root
                outside + "/secret.txt",              // plainly outside
            ]
            for path in refused {
                #expect(throws: JSONRPCError.self, "\(path)") { _ = try read(path) }
                #expect(throws: JSONRPCError.self, "\(path)") {
                    try FileSystemAccess.write(WriteTextFileRequest(sessionId: "s", path: path, content: "x"), root: root)
                }
            }
            #expect(try String(contentsOfFile: outside + "/secret.txt", encoding: .utf8) == "secret")
        }
    }
}
