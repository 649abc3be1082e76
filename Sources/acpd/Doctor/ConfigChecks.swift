import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Doctor's config checks: the file is valid (every error listed) and the workspace roots exist.
enum ConfigChecks {
    /// Loads the config like every command; a failure lists every issue in the detail.
    static func load(option: String?) -> (config: ACPDConfig?, check: DoctorCheck) {
        do {
            let loaded = try ConfigSource.load(option: option)
            let agents = loaded.config.agents.count
            return (loaded.config, .pass("config", "\(loaded.description) is valid (\(agents) agent\(agents == 1 ? "" : "s"), \(loaded.config.bindings.count) bindings)"))
        } catch {
            let issues = error.issues.map(\.description)
            let detail = issues.isEmpty ? "\(error)" : "\(issues.count) error\(issues.count == 1 ? "" : "s"): \(issues.joined(separator: "; "))"
            return (nil, .fail("config", detail, hint: "fix the listed keys; `acpd config validate` shows them with line numbers, `acpd config example` a valid file"))
        }
    }

    /// One check: every `acp.workspaceRoots` entry is an existing directory (skip when there are none).
    static func workspaceRoots(_ config: ACPDConfig) -> DoctorCheck {
        let roots = config.acp.workspaceRoots
        guard !roots.isEmpty else { return .skip("workspace roots", "none configured: any cwd is allowed") }
        let missing = roots.filter { root in
            var isDirectory = false
            return !FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) || !isDirectory
        }
        if missing.isEmpty { return .pass("workspace roots", "\(roots.count) exist: \(roots.joined(separator: ", "))") }
        return .fail("workspace roots", "missing: \(missing.joined(separator: ", "))",
                     hint: "create the directories or fix acp.workspaceRoots")
    }
}
