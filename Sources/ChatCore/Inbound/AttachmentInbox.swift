import ACPControlPlane
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Saves fetched attachments into a session's working directory, as
/// `<cwd>/.acpd/inbox/<yyyy-mm-dd>-<name>` (UTC date), for agents that take files, not images.
///
/// Guarantees: the file lands inside the real cwd, never outside it. The name is reduced to one
/// path component of letters, digits, `.`, `_` and `-` (no `..`, no leading dot, no separators);
/// `.acpd` and `inbox` are created (0700) and opened without following symlinks, relative to
/// the opened cwd, so a symlink planted there cannot redirect the write; the file itself is
/// created exclusively (0600, never replacing anything, never through a symlink). A name in use
/// gets `-1`, `-2`, … before its extension. The inbox holds a `.gitignore` of `*`, so an agent's
/// `git add -A` does not commit chat uploads.
enum AttachmentInbox {
    /// Why a file could not be saved (safe to show in chat).
    struct Failure: Error, Equatable {
        let message: String
    }

    /// Longest saved name, in UTF-8 bytes (below every file system's 255).
    static let maxNameBytes = 120

    /// `raw` reduced to a safe single file name; `fallback` when nothing usable is left.
    static func safeName(_ raw: String?, fallback: String) -> String {
        let last = raw?.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var scalars = String.UnicodeScalarView()
        for scalar in last.unicodeScalars {
            let keep = scalar.properties.isAlphabetic || scalar.properties.numericType != nil || "._-".unicodeScalars.contains(scalar)
            scalars.append(keep ? scalar : "_")
        }
        var name = String(String(scalars).trimmingPrefix(while: { $0 == "." || $0 == "_" || $0 == "-" }))
        while name.last == "." { name.removeLast() }
        guard name.contains(where: { $0 != "_" }) else { return fallback }
        guard name.utf8.count > maxNameBytes else { return String(name) }
        // Keep a short extension; cut the stem at a character boundary.
        let dot = name.lastIndex(of: ".")
        var ext = ""
        var stem = name
        if let dot, name[dot...].utf8.count <= 16 {
            ext = String(name[dot...])
            stem = String(name[..<dot])
        }
        while stem.utf8.count + ext.utf8.count > maxNameBytes { stem.removeLast() }
        return stem + ext
    }

    /// The candidate names for `name` saved on `date`: `<date>-<name>`, then with `-1`, `-2`, …
    /// before the extension.
    static func candidate(_ name: String, date: String, attempt: Int) -> String {
        guard attempt > 0 else { return "\(date)-\(name)" }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            return "\(date)-\(name[..<dot])-\(attempt)\(name[dot...])"
        }
        return "\(date)-\(name)-\(attempt)"
    }

    /// `yyyy-mm-dd` (UTC) of `seconds` since 1970.
    static func day(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
    }

    /// Writes `bytes` as a new file named after `name` in `cwd`'s inbox; returns its absolute
    /// path (below the real path of `cwd`).
    static func save(_ bytes: [UInt8], name: String, cwd: String, now seconds: Int) throws(Failure) -> String {
        let root = RealPath.resolve(cwd)
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw Failure(message: "the session's working directory \(cwd) cannot be opened") }
        defer { close(rootFD) }
        let acpdFD = try directory(".acpd", in: rootFD)
        defer { close(acpdFD) }
        let inboxFD = try directory("inbox", in: acpdFD)
        defer { close(inboxFD) }
        writeGitignore(in: inboxFD)
        let date = day(seconds)
        for attempt in 0..<1000 {
            let file = candidate(name, date: date, attempt: attempt)
            let fd = openat(inboxFD, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd < 0 {
                if errno == EEXIST { continue }
                throw Failure(message: "cannot create \(file) in .acpd/inbox (errno \(errno))")
            }
            defer { close(fd) }
            guard writeAll(bytes, to: fd) else {
                unlinkat(inboxFD, file, 0)
                throw Failure(message: "cannot write \(file) in .acpd/inbox (errno \(errno))")
            }
            return (root == "/" ? "" : root) + "/.acpd/inbox/" + file
        }
        throw Failure(message: "too many files named \(name) in .acpd/inbox today")
    }

    /// Opens (creating it 0700 when missing) directory `name` in `parent`, refusing a symlink.
    private static func directory(_ name: String, in parent: Int32) throws(Failure) -> Int32 {
        if mkdirat(parent, name, 0o700) != 0, errno != EEXIST {
            throw Failure(message: "cannot create \(name) in the session's working directory (errno \(errno))")
        }
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            throw Failure(message: "\(name) in the session's working directory is a symlink or not a directory; refusing to save there")
        }
        return fd
    }

    private static func writeGitignore(in directory: Int32) {
        let fd = openat(directory, ".gitignore", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = writeAll(Array("*\n".utf8), to: fd)
        close(fd)
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}
