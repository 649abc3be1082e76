#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds, reads and validates the config file: YAML (or JSON) → `${NAME}` substitution → schema
/// check → cross-key rules → `ACPDConfig`. Every issue of a file is reported in one pass.
public enum ConfigLoader {
    /// Where the config file was found, and why there.
    public struct Location: Sendable, Equatable {
        /// Which rule found the file; raw values are what the CLI prints.
        public enum Source: String, Sendable { case option = "--config", environment = "$ACPD_CONFIG", currentDirectory = "./acpd.yaml" }
        /// Absolute path.
        public var path: String
        public var source: Source
    }

    /// `--config PATH`, else `$ACPD_CONFIG`, else `./acpd.yaml` (CONTRACT.md §3). Relative paths are
    /// taken from `currentDirectory`. The file is not opened here.
    public static func locate(option: String?, environment: [String: String], currentDirectory: String) -> Location {
        if let option, !option.isEmpty {
            return Location(path: PathRules.absolute(option, relativeTo: currentDirectory), source: .option)
        }
        if let path = environment["ACPD_CONFIG"], !path.isEmpty {
            return Location(path: PathRules.absolute(path, relativeTo: currentDirectory), source: .environment)
        }
        return Location(path: PathRules.join(PathRules.normalised(currentDirectory), "acpd.yaml"), source: .currentDirectory)
    }

    /// Reads and validates the file at `path` (absolute). Relative paths inside it are resolved
    /// against its directory.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> ACPDConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (check permissions and that it is UTF-8)" : "does not exist"
            throw ConfigError(kind: .unreadable, file: path, issues: [
                ConfigIssue(path: .root, message: "config file \(path) \(reason); pass --config PATH, set $ACPD_CONFIG, or create ./acpd.yaml (see `acpd config example`)"),
            ])
        }
        return try parse(text, baseDirectory: PathRules.directory(of: path), file: path, environment: environment)
    }

    /// Validates config text. `baseDirectory` (absolute) anchors relative paths.
    public static func parse(_ text: String, baseDirectory: String, file: String? = nil,
                             environment: [String: String]) throws(ConfigError) -> ACPDConfig {
        let node: YAMLNode?
        do {
            node = try YAMLComposer.compose(text)
        } catch {
            throw ConfigError(kind: .invalid, file: file, issues: [ConfigIssue(path: .root, message: error.message, line: error.mark?.line)])
        }
        var validator = SchemaValidator(environment: environment)
        let value = validator.validateDocument(node, schema: ACPDConfigSchema.root) ?? .object([:])
        var builder = ConfigBuilder(root: value, baseDirectory: PathRules.normalised(baseDirectory), file: file,
                                    structuralIssues: validator.issues)
        let config = builder.build()
        let issues = validator.issues + builder.issues.map { issue in
            var issue = issue
            issue.line = validator.nearestLine(issue.path)
            return issue
        }
        guard let config, issues.isEmpty else {
            throw ConfigError(kind: .invalid, file: file, issues: sorted(issues))
        }
        return config
    }

    /// Document order (by line, then path), so the report reads top to bottom.
    static func sorted(_ issues: [ConfigIssue]) -> [ConfigIssue] {
        issues.enumerated().sorted { lhs, rhs in
            switch (lhs.element.line, rhs.element.line) {
            case let (left?, right?) where left != right: left < right
            case (nil, _?): false
            case (_?, nil): true
            default: lhs.offset < rhs.offset
            }
        }.map(\.element)
    }
}
