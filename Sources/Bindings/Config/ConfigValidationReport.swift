/// The result of `acpd config validate`, in its human and `--json` forms.
public struct ConfigValidationReport: Sendable {
    public let location: ConfigLoader.Location
    public let result: Result<ACPDConfig, ConfigError>

    /// Locates and validates the config as `acpd config validate [--config PATH]` does.
    public static func run(option: String?, environment: [String: String], currentDirectory: String) -> ConfigValidationReport {
        let location = ConfigLoader.locate(option: option, environment: environment, currentDirectory: currentDirectory)
        do {
            return ConfigValidationReport(location: location,
                                          result: .success(try ConfigLoader.load(path: location.path, environment: environment)))
        } catch {
            return ConfigValidationReport(location: location, result: .failure(error))
        }
    }

    /// Exit status: 0 valid, 1 invalid, missing or unreadable.
    public var exitCode: Int32 { isValid ? 0 : 1 }

    public var isValid: Bool {
        if case .success = result { return true }
        return false
    }

    /// `OK: …` with a one-line summary, or `ERROR: …` followed by one line per issue.
    public var humanText: String {
        switch result {
        case .success(let config):
            let acp = config.bindings.filter { $0.kind == .acp }.count
            return "OK: \(location.path) is valid (\(plural(config.agents.count, "agent")), "
                + "\(plural(config.bindings.count, "binding")): \(acp) acp, \(config.bindings.count - acp) route)\n"
        case .failure(let error) where error.kind == .unreadable:
            return "ERROR: " + (error.issues.first?.message ?? "cannot read \(location.path)") + "\n"
        case .failure(let error):
            var text = "ERROR: \(location.path): \(plural(error.issues.count, "error"))\n"
            for issue in error.issues { text += "  \(issue)\n" }
            return text
        }
    }

    /// `{"valid": …, "file": …, "source": …, "errors": [{"path", "message", "line"?}]}`.
    public var jsonText: String {
        var fields: [String: ConfigValue] = [
            "valid": .boolean(isValid), "file": .string(location.path), "source": .string(location.source.rawValue),
        ]
        switch result {
        case .success(let config):
            fields["errors"] = .array([])
            fields["agents"] = .integer(config.agents.count)
            fields["bindings"] = .integer(config.bindings.count)
        case .failure(let error):
            fields["unreadable"] = .boolean(error.kind == .unreadable)
            fields["errors"] = .array(error.issues.map { issue in
                var item: [String: ConfigValue] = ["path": .string(issue.path.description), "message": .string(issue.message)]
                if let line = issue.line { item["line"] = .integer(line) }
                return .object(item)
            })
        }
        return ConfigValue.object(fields).jsonText() + "\n"
    }

    private func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
}
