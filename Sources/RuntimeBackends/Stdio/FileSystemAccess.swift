#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `fs/read_text_file` and `fs/write_text_file`, confined to one root directory (the session
/// cwd): paths must be absolute, symlinks are resolved before the check, and anything that
/// resolves outside the root is refused.
enum FileSystemAccess {
    static func read(_ request: ReadTextFileRequest, root: String) throws(JSONRPCError) -> String {
        let path = try confine(request.path, root: root, mustExist: true)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JSONRPCError(code: JSONRPCError.resourceNotFound, message: "cannot read \(request.path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard request.line != nil || request.limit != nil else { return text }
        if let line = request.line, line < 1 { throw JSONRPCError(code: JSONRPCError.invalidParams, message: "line is 1-based") }
        if let limit = request.limit, limit < 0 { throw JSONRPCError(code: JSONRPCError.invalidParams, message: "limit must be >= 0") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = min((request.line ?? 1) - 1, lines.count)
        let end = request.limit.map { min(start + $0, lines.count) } ?? lines.count
        var selected = lines[start..<end].joined(separator: "\n")
        if end < lines.count, end > start { selected += "\n" }
        return selected
    }

    static func write(_ request: WriteTextFileRequest, root: String) throws(JSONRPCError) {
        let path = try confine(request.path, root: root, mustExist: false)
        do {
            try Data(request.content.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw JSONRPCError(code: JSONRPCError.internalError, message: "cannot write \(request.path)")
        }
    }

    /// The real path of `path` if it lies inside `root`. A file that does not exist yet is
    /// checked through its (existing) parent directory.
    static func confine(_ path: String, root: String, mustExist: Bool) throws(JSONRPCError) -> String {
        guard path.hasPrefix("/") else {
            throw JSONRPCError(code: JSONRPCError.invalidParams, message: "path must be absolute")
        }
        let realRoot = realPath(root) ?? root
        let resolved: String
        if let real = realPath(path) {
            resolved = real
        } else {
            guard !mustExist else { throw JSONRPCError(code: JSONRPCError.resourceNotFound, message: "no such file: \(path)") }
            let url = URL(fileURLWithPath: path)
            let name = url.lastPathComponent
            guard name != "..", name != ".", let parent = realPath(url.deletingLastPathComponent().path) else {
                throw JSONRPCError(code: JSONRPCError.resourceNotFound, message: "no such directory for \(path)")
            }
            resolved = parent + "/" + name
        }
        guard resolved == realRoot || resolved.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else {
            throw JSONRPCError(code: JSONRPCError.invalidParams, message: "path is outside the session directory: \(path)")
        }
        return resolved
    }

    private static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
