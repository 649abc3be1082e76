import JSONKit
import Foundation
import Testing
import TestSupport
@testable import RuntimeBackends

/// Every golden payload produced by the official Python SDK decodes into acpd's wire types and
/// re-encodes to semantically equal JSON.
@Suite("ACP wire types vs Python SDK golden payloads")
struct GoldenPayloadTests {
    static let goldenDir = TestPaths.acpSchemaDir.appendingPathComponent("python-sdk-golden")

    /// File name → a round trip through the wire type the payload belongs to.
    static let types: [(prefix: String, roundTrip: @Sendable (JSONValue) throws -> Data)] = [
        ("cancel_notification", { try roundTrip(CancelNotification.self, $0) }),
        ("content_", { try roundTrip(WireContentBlock.self, $0) }),
        ("fs_read_text_file_request", { try roundTrip(ReadTextFileRequest.self, $0) }),
        ("fs_read_text_file_response", { try roundTrip(ReadTextFileResponse.self, $0) }),
        ("fs_write_text_file_request", { try roundTrip(WriteTextFileRequest.self, $0) }),
        ("initialize_request", { try roundTrip(InitializeRequest.self, $0) }),
        ("initialize_response", { try roundTrip(InitializeResponse.self, $0) }),
        ("new_session_request", { try roundTrip(NewSessionRequest.self, $0) }),
        ("new_session_response", { try roundTrip(NewSessionResponse.self, $0) }),
        ("permission_outcome_", { try roundTrip(RequestPermissionOutcome.self, $0) }),
        ("prompt_request", { try roundTrip(PromptRequest.self, $0) }),
        ("request_permission_request", { try roundTrip(RequestPermissionRequest.self, $0) }),
        ("request_permission_response", { try roundTrip(RequestPermissionResponse.self, $0) }),
        ("session_update_", { try roundTrip(SessionUpdate.self, $0) }),
        ("set_session_config_option_request", { try roundTrip(SetSessionConfigOptionRequest.self, $0) }),
        ("set_session_config_option_response", { try roundTrip(SetSessionConfigOptionResponse.self, $0) }),
        ("tool_content_", { try roundTrip(WireToolCallContent.self, $0) }),
    ]

    static func roundTrip<T: Codable>(_ type: T.Type, _ json: JSONValue) throws -> Data {
        // Decode through both decoders: ours (used on the hot path) and Foundation's.
        let typed = try JSONValueDecoder.decode(T.self, from: json)
        let encoded = try JSONEncoder().encode(typed)
        let viaFoundation = try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(json))
        let foundationJSON = try JSONParser.parse([UInt8](try JSONEncoder().encode(viaFoundation)))
        #expect(foundationJSON == (try JSONParser.parse([UInt8](encoded))))
        return encoded
    }

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: goldenDir.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test("the golden directory is there and every file has a wire type")
    func coverage() {
        #expect(Self.files.count >= 30)
        for file in Self.files {
            #expect(Self.types.contains { file.hasPrefix($0.prefix) }, "no wire type for \(file)")
        }
    }

    @Test("decode and re-encode is lossless", arguments: GoldenPayloadTests.files)
    func goldenRoundTrip(file: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.goldenDir.appendingPathComponent(file)))
        let original = try JSONParser.parse(bytes)
        let entry = try #require(Self.types.first { file.hasPrefix($0.prefix) })
        let reencoded = try JSONParser.parse([UInt8](try entry.roundTrip(original)))
        #expect(reencoded == original, "\(file): \(reencoded) != \(original)")
    }
}
