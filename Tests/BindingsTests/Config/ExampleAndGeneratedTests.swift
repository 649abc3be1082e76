@testable import Bindings
import Foundation
import Testing
import TestSupport

@Suite struct ExampleAndGeneratedTests {
    static let exampleEnvironment = Dictionary(uniqueKeysWithValues: ConfigExample.variables.map { ($0, "value-of-\($0)") })

    @Test func exampleValidates() throws {
        let config = try parseConfig(ConfigExample.yaml, environment: Self.exampleEnvironment)
        #expect(config.agents.keys.sorted() == ["claude", "demo"])
        #expect(config.bindings.count == 2)
        #expect(config.agents["claude"]?.authMethod == "claude-login")
        #expect(config.channels.telegram["default"]?.botToken.value == "value-of-TELEGRAM_BOT_TOKEN")
        #expect(config.agents["demo"]?.cwd == "/etc/acpd/workspace")
        #expect(config.stateDir == "/etc/acpd/.acpd")
    }

    @Test func exampleWithoutItsVariablesNamesThem() {
        let issues = configIssues(ConfigExample.yaml)
        for name in ConfigExample.variables {
            #expect(issues.contains { $0.message.contains(name) }, "no issue names \(name)")
        }
    }
}
