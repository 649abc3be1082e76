#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file system's own view of a path: symlinks resolved (`realpath(3)`), so that a containment
/// check cannot be walked around by a link inside an allowed directory.
public enum RealPath {
    /// `path` (absolute) with every symlink resolved. A part that does not exist yet is kept as
    /// written below the deepest existing ancestor (resolved), `.` and `..` applied lexically.
    public static func resolve(_ path: String) -> String {
        var existing = normalised(path)
        var rest: [Substring] = []
        while true {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return rest.isEmpty ? base : normalised(base + "/" + rest.reversed().joined(separator: "/"))
            }
            guard existing != "/", let slash = existing.lastIndex(of: "/") else { return normalised(path) }
            rest.append(existing[existing.index(after: slash)...])
            existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
        }
    }

    /// True when `roots` is empty, or the real path of `path` is one of the roots' real paths or
    /// lies below one (component by component: `/srv/repo2` is not below `/srv/repo`).
    public static func isWithin(_ path: String, roots: [String]) -> Bool {
        guard !roots.isEmpty else { return true }
        let real = resolve(path)
        return roots.contains { root in
            let base = resolve(root)
            return base == "/" || real == base || real.hasPrefix(base + "/")
        }
    }

    private static func normalised(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
