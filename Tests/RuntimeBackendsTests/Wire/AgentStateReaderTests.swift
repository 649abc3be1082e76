import JSONKit
import ACPControlPlane
import Foundation
import Testing
import TestSupport
@testable import RuntimeBackends

/// Reading the agent's modes, config options and session capabilities (AgentStateReader), against
/// the Python SDK's golden payloads and malformed input.
@Suite("Agent session state from ACP answers")
struct AgentStateReaderTests {
    private static func golden(_ name: String) throws -> JSONValue {
        let url = GoldenPayloadTests.goldenDir.appendingPathComponent(name)
        return try JSONParser.parse(Array(try Data(contentsOf: url)))
    }

    private static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func goldenConfigOptionUpdateWithGroupsIsFlattened() throws {
        let update = try Self.golden("session_update_config_option_update.json")
        let options = try #require(AgentStateReader.configOptions(update["configOptions"]))
        #expect(options.map(\.id) == ["model", "mode"])
        #expect(options[0].currentValue == "gpt-4o-mini" && options[0].description == "Choose a model")
        #expect(options[0].values.map(\.value) == ["gpt-4o-mini", "gpt-4o"])
        #expect(options[0].values[1].description == "Highest quality")
        // Grouped values, in order.
        #expect(options[1].values.map(\.value).starts(with: ["fast", "balanced"]))
    }

    @Test func goldenSetConfigOptionResponse() throws {
        let response = try Self.golden("set_session_config_option_response.json")
        let options = try #require(AgentStateReader.configOptions(response["configOptions"]))
        #expect(options == [AgentConfigOption(id: "mode", name: "Mode", currentValue: "balanced",
                                              values: [.init(value: "fast", name: "Fast"), .init(value: "balanced", name: "Balanced")])])
    }

    @Test func malformedAndUnadvertisedOptionsAreLeftOut() throws {
        let list = try Self.json("""
            [{"type":"boolean","id":"think","name":"Think","currentValue":true},
             {"type":"select","id":"nameless","currentValue":"a","options":[]},
             {"type":"select","id":"m","name":"M","category":"model","currentValue":"a",
              "options":[{"value":"a","name":"A"},{"name":"no value"},{"value":"b","name":"B"}]},
             {"type":"future","id":"x","name":"X"}, 7]
            """)
        let options = try #require(AgentStateReader.configOptions(list))
        #expect(options.map(\.id) == ["m"])
        #expect(options[0].category == "model" && options[0].values.map(\.value) == ["a", "b"])
        #expect(AgentStateReader.configOptions(.string("nope")) == nil)
        #expect(AgentStateReader.configOptions(nil) == nil)
    }

    @Test func modesAndSessionResults() throws {
        let result = try Self.json("""
            {"sessionId":"s","modes":{"currentModeId":"code","availableModes":[
              {"id":"ask","name":"Ask"},{"id":"code","name":"Code","description":"Edit"},{"name":"broken"}]},
             "configOptions":[{"type":"select","id":"model","name":"Model","currentValue":"fast",
              "options":[{"value":"fast","name":"Fast"}]}]}
            """)
        var state = AgentSessionState()
        AgentStateReader.apply(sessionResult: result, to: &state)
        #expect(state.modes == [AgentMode(id: "ask", name: "Ask"), AgentMode(id: "code", name: "Code", description: "Edit")])
        #expect(state.currentModeId == "code")
        #expect(state.configOptions.map(\.id) == ["model"])
        // An answer without them (`session/load` → `{}`) leaves the state as it was.
        AgentStateReader.apply(sessionResult: try Self.json("{}"), to: &state)
        #expect(state.currentModeId == "code" && state.configOptions.count == 1)
        #expect(AgentStateReader.modes(try Self.json(#"{"availableModes":[]}"#)) == nil)
    }

    @Test func sessionCapabilitiesArePresentAsObjects() throws {
        let capabilities = try Self.json(#"{"resume":{},"close":null,"list":true}"#)
        #expect(AgentStateReader.advertises(capabilities, "resume"))
        #expect(!AgentStateReader.advertises(capabilities, "close"))
        #expect(!AgentStateReader.advertises(capabilities, "list"))
        #expect(!AgentStateReader.advertises(nil, "resume"))
    }
}
