import Foundation
import TestSupport

/// Protocol steps shared by the demo-agent tests, on top of `DemoAgentProcess`.
extension DemoAgentProcess {
    /// Starts the demo agent with `--state-dir stateDir` (plus `extra` flags).
    static func demo(stateDir: URL, _ extra: [String] = [], capture: DemoAgentCapture = DemoAgentCapture(),
                     connection: Int = 1) throws -> DemoAgentProcess {
        try DemoAgentProcess(arguments: ["--state-dir", stateDir.path] + extra, capture: capture, connection: connection)
    }

    /// `initialize` with protocol version 1; returns the result.
    @discardableResult
    func initialize() async throws -> [String: Any] {
        let response = try await request("initialize", [
            "protocolVersion": 1,
            "clientCapabilities": ["fs": ["readTextFile": false, "writeTextFile": false], "terminal": false],
            "clientInfo": ["name": "acpd-tests", "version": "0.0.0"],
        ])
        guard let result = DemoAgentJSON.result(response) else { throw DemoAgentTestError("initialize failed: \(response)") }
        return result
    }

    /// `session/new` in `cwd`; returns the session id.
    func newSession(cwd: URL) async throws -> String {
        let response = try await request("session/new", ["cwd": cwd.path, "mcpServers": [Any]()])
        guard let id = DemoAgentJSON.result(response)?["sessionId"] as? String else {
            throw DemoAgentTestError("session/new failed: \(response)")
        }
        return id
    }

    /// What one prompt turn produced: the response and every stdout message from the request to it.
    struct Turn {
        let response: [String: Any]
        let messages: [[String: Any]]

        var stopReason: String? { DemoAgentJSON.result(response)?["stopReason"] as? String }
        var text: String { messages.compactMap { DemoAgentJSON.chunkText($0) }.joined() }
        func updates(_ kind: String) -> [[String: Any]] {
            messages.compactMap { DemoAgentJSON.updateKind($0) == kind ? DemoAgentJSON.update($0) : nil }
        }
        var permissionRequests: [[String: Any]] {
            messages.filter { $0["method"] as? String == "session/request_permission" }
        }
    }

    /// Sends a text prompt and waits for its response, answering permission requests with
    /// `permissionOption` (or leaving them pending when nil).
    func prompt(_ sessionId: String, _ text: String, permissionOption: String? = "allow-once", timeout: Double = 20) async throws -> Turn {
        let start = inbox.all.count
        let id = sendRequest("session/prompt", ["sessionId": sessionId, "prompt": [["type": "text", "text": text]]])
        while true {
            let line = try await next(timeout: timeout, "the answer to prompt \(text.prefix(40))") { message in
                DemoAgentJSON.isResponse(message, id: id) || message["method"] as? String == "session/request_permission"
            }
            let message = DemoAgentJSON.object(line)
            if message["method"] as? String == "session/request_permission" {
                if let permissionOption, let requestId = message["id"] {
                    respond(to: requestId, result: ["outcome": ["outcome": "selected", "optionId": permissionOption]])
                }
                continue
            }
            let messages = inbox.all[start...].map(DemoAgentJSON.object)
            return Turn(response: message, messages: messages)
        }
    }
}
