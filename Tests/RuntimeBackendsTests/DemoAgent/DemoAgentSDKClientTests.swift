import Foundation
import Testing
import TestSupport

/// The official Python SDK, as an independent client, accepts the demo agent (and the SDK-based
/// peer agent, which the stdio client tests use as a second real agent).
@Suite("Demo agent against the Python SDK client")
struct DemoAgentSDKClientTests {
    @Test("sdk_client.py completes its scenario and the traffic validates", arguments: ["acpd-demo-agent", "peer_agent.py"])
    func sdkClient(agent: String) async throws {
        let command = agent == "acpd-demo-agent"
            ? [TestPaths.demoAgent]
            : [TestPaths.python, TestPaths.peer("python/peer_agent.py")]
        try await withTemporaryDirectory { dir in
            let capture = dir.appendingPathComponent("capture.jsonl")
            let result = try await DemoAgentTool.run(
                TestPaths.python,
                [TestPaths.peer("python/sdk_client.py"), "--cwd", dir.path, "--capture", capture.path, "--"] + command,
                timeout: 120)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("sdk_client: OK"))
            let validation = try await DemoAgentTool.validate(capture, side: "both")
            #expect(validation.status == 0, "\(validation.output)")
        }
    }
}
