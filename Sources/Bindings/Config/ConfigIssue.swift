import ACPControlPlane

/// The location of a value in the config, printed as `bindings[2].match.peer.id`.
public struct ConfigPath: Hashable, Sendable, CustomStringConvertible {
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    var components: [Component]

    /// The document root.
    public static let root = ConfigPath(components: [])

    init(components: [Component]) { self.components = components }

    func key(_ name: String) -> ConfigPath { ConfigPath(components: components + [.key(name)]) }
    func index(_ position: Int) -> ConfigPath { ConfigPath(components: components + [.index(position)]) }

    /// True when `self` is `other` or lies inside it.
    func isWithin(_ other: ConfigPath) -> Bool { components.starts(with: other.components) }

    /// Keys that are not plain words are quoted (`agents["my.agent"]`) so the path stays unambiguous.
    public var description: String {
        guard !components.isEmpty else { return "(root)" }
        var out = ""
        for component in components {
            switch component {
            case .index(let position): out += "[\(position)]"
            case .key(let name) where Self.isPlain(name): out += out.isEmpty ? name : ".\(name)"
            case .key(let name): out += "[\(ConfigValue.quoted(name))]"
            }
        }
        return out
    }

    private static func isPlain(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D
        }
    }
}

/// One problem found in a config file: where (`bindings[2].match.peer.id`, and the line when
/// known) and what, including the expected form. Messages never contain secret values.
public struct ConfigIssue: Hashable, Sendable, CustomStringConvertible {
    public let path: ConfigPath
    public let message: String
    /// 1-based line in the file, when the value (or its nearest enclosing value) was found there.
    public var line: Int?

    /// An issue at `path`; `line` is filled in by the loader when it knows it.
    public init(path: ConfigPath, message: String, line: Int? = nil) {
        self.path = path
        self.message = message
        self.line = line
    }

    /// `bindings[2].match.peer.id: <message> (line 14)`.
    public var description: String {
        "\(path): \(message)" + (line.map { " (line \($0))" } ?? "")
    }
}

/// Why a config could not be loaded: the file is missing or unreadable, or it is invalid (with
/// every issue found, in document order).
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// Missing/unreadable file, or invalid content.
    public enum Kind: String, Sendable {
        /// The file does not exist or cannot be read.
        case unreadable
        /// The file is not valid YAML or breaks the config rules.
        case invalid
    }

    public let kind: Kind
    /// The config file, when there is one.
    public let file: String?
    public let issues: [ConfigIssue]

    /// An error for `file` with its issues in document order.
    public init(kind: Kind, file: String?, issues: [ConfigIssue]) {
        self.kind = kind
        self.file = file
        self.issues = issues
    }

    /// The `CONFIG_INVALID` error to show in chat or the API (the issues go to the log).
    public var acpError: ACPError {
        ACPError(.configInvalid, detail: issues.map(\.description).joined(separator: "; "))
    }

    public var description: String {
        let head = "\(file ?? "config"): \(issues.count) error\(issues.count == 1 ? "" : "s")"
        return ([head] + issues.map { "  \($0)" }).joined(separator: "\n")
    }
}
