/// Lexical path rules for config paths and session cwds: no file-system access, no symlink
/// resolution (that is `acpd doctor`'s job), so validation is the same on every machine.
public enum PathRules {
    /// True for `/…`.
    public static func isAbsolute(_ path: String) -> Bool { path.hasPrefix("/") }

    /// `path` made absolute against `base` (itself absolute) and normalised: `.` and empty
    /// components removed, `..` applied (never above `/`), no trailing `/`.
    public static func absolute(_ path: String, relativeTo base: String) -> String {
        normalised(isAbsolute(path) ? path : base + "/" + path)
    }

    /// `path` (absolute) normalised as in `absolute(_:relativeTo:)`.
    public static func normalised(_ path: String) -> String {
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

    /// True when `path` is `root` or lies below it (both absolute; compared after normalising,
    /// component by component, so `/srv/repo2` is not under `/srv/repo`).
    public static func isWithin(_ path: String, root: String) -> Bool {
        let path = normalised(path), root = normalised(root)
        return root == "/" || path == root || path.hasPrefix(root + "/")
    }

    /// True when `roots` is empty (any cwd) or `path` lies within one of them.
    public static func isAllowed(_ path: String, roots: [String]) -> Bool {
        roots.isEmpty || roots.contains { isWithin(path, root: $0) }
    }

    /// `directory/name` without a doubled `/`.
    public static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The directory part of an absolute file path.
    public static func directory(of file: String) -> String {
        let normal = normalised(file)
        guard let slash = normal.lastIndex(of: "/"), slash != normal.startIndex else { return "/" }
        return String(normal[..<slash])
    }
}
