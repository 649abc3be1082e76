@testable import Bindings

/// The YAML composer and the config validator, on any text: an answer is a config or an error
/// with at least one issue, never a trap; the same text always gets the same answer.
enum ConfigFuzz {
    static let target = FuzzTarget(name: "config", dictionary: [
        "stateDir: ./state\n", "agents:\n  demo:\n    command: [\"x\"]\n", "bindings:\n  - type: acp\n    agentId: demo\n",
        "channels:\n  telegram:\n    accounts:\n      default: { botToken: \"1:x\" }\n", "access:\n  owners: [\"http:a\"]\n",
        "&a ", "*a", "<<: *a\n", "!!str ", "!!binary ", "? ", "- ", ": ", "{", "}", "[", "]", "|\n", ">-\n", "'", "\"", "#", "${HOME}",
        "${", "\t", "---\n", "...\n", "%YAML 1.2\n", "0x10", "1e9", ".inf", "~", "null", "yes",
    ]) { bytes throws(FuzzFailure) in
        let text = String(decoding: bytes, as: UTF8.self)
        let first = outcome(text)
        try fuzzCheck(first == outcome(text), "the same config text got two answers")
        if case .failure(let issues) = first { try fuzzCheck(!issues.isEmpty, "a refused config names no issue") }
        _ = try? YAMLComposer.compose(text, maxNodes: 2000)
    }

    enum Outcome: Equatable {
        case config(String)
        case failure([String])
    }

    static func outcome(_ text: String) -> Outcome {
        do {
            let config = try ConfigLoader.parse(text, baseDirectory: "/tmp/acpd-fuzz", file: "fuzz.yaml",
                                                environment: ["HOME": "/tmp/acpd-fuzz-home", "TOKEN": "1:t"])
            return .config(String(describing: config))
        } catch {
            return .failure(error.issues.map { "\($0)" })
        }
    }
}
