@testable import Bindings
import Testing

/// Parses config text for tests; relative paths resolve against /etc/acpd.
func parseConfig(_ yaml: String, environment: [String: String] = [:], base: String = "/etc/acpd") throws(ConfigError) -> ACPDConfig {
    try ConfigLoader.parse(yaml, baseDirectory: base, environment: environment)
}

/// The issues of config text that must be invalid (records a test failure when it is valid).
func configIssues(_ yaml: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigIssue] {
    do {
        _ = try parseConfig(yaml, environment: environment)
        Issue.record("expected the config to be invalid", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.issues
    }
}

/// A small valid config: two agents, bindings appended by the caller.
func minimalConfig(bindings: String = "", extra: String = "") -> String {
    """
    agents:
      demo: { command: [acpd-demo-agent], cwd: /srv/demo }
      codex: { command: [codex-acp], cwd: /srv/codex, mode: oneshot }
    \(extra)
    bindings:
    \(bindings.isEmpty ? "  []" : bindings)
    """
}
