@testable import Bindings
import JSONKit
import Foundation
import Testing
import TestSupport

/// `acpd config validate` is a thin wrapper over `ConfigValidationReport` (output and exit status).
@Suite struct ConfigValidationReportTests {
    @Test func validMissingAndInvalidFiles() async throws {
        try await withTemporaryDirectory { dir in
            let missing = ConfigValidationReport.run(option: nil, environment: [:], currentDirectory: dir.path)
            #expect(missing.exitCode == 1)
            #expect(missing.humanText.hasPrefix("ERROR: config file \(dir.path)/acpd.yaml does not exist"))
            #expect(missing.jsonText.contains("\"unreadable\": true"))

            let good = dir.appendingPathComponent("good.yaml")
            try "agents: { demo: { command: [demo], cwd: /srv } }\n".write(to: good, atomically: true, encoding: .utf8)
            let valid = ConfigValidationReport.run(option: nil, environment: ["ACPD_CONFIG": good.path], currentDirectory: "/")
            #expect(valid.exitCode == 0)
            #expect(valid.location.source == .environment)
            #expect(valid.humanText == "OK: \(good.path) is valid (1 agent, 0 bindings: 0 acp, 0 route)\n")
            #expect(valid.jsonText.contains("\"valid\": true"))

            let bad = dir.appendingPathComponent("bad.yaml")
            try "acp:\n  backend: grpc\nbindings:\n  - { type: acp, agentId: demo, match: { channel: telegram } }\n"
                .write(to: bad, atomically: true, encoding: .utf8)
            let invalid = ConfigValidationReport.run(option: "bad.yaml", environment: [:], currentDirectory: dir.path)
            #expect(invalid.exitCode == 1)
            #expect(invalid.humanText == """
                ERROR: \(bad.path): 3 errors
                  acp.backend: expected one of stdio | acpx, got "grpc" (line 2)
                  bindings[0].agentId: agent "demo" is not declared under agents; expected one of: (none declared) (line 4)
                  bindings[0].match.peer.id: required for type: acp (an acp binding pins one conversation); expected \(TelegramConversationID.expectedForm) (line 4)

                """)
            let json = invalid.jsonText
            #expect(json.contains("\"path\": \"bindings[0].match.peer.id\"") && json.contains("\"line\": 4"))
            #expect(json.contains("\"valid\": false") && json.contains("\"source\": \"--config\""))
        }
    }
}
