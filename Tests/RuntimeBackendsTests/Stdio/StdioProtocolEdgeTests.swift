import ACPControlPlane
import Foundation
import Synchronization
import Testing
import TestSupport
@testable import RuntimeBackends

/// JSON-RPC edge cases the SDK agents never produce, driven by a tiny scripted agent that writes
/// raw lines: garbage and blank lines, updates before the session/new response, string request
/// ids, an unknown extension request, fs calls, a permission withdrawn with `$/cancel_request`,
/// an unknown update kind, and a chunk after the prompt response.
@Suite("stdio runtime: JSON-RPC edge cases (scripted agent)")
struct StdioProtocolEdgeTests {
    static let script = #"""
import json, sys
def send(obj): sys.stdout.write(json.dumps(obj) + "\n"); sys.stdout.flush()
def read():
    while True:
        line = sys.stdin.readline()
        if not line: sys.exit(0)
        if line.strip(): return json.loads(line)
fs_advertised = False
while True:
    msg = read()
    method, mid = msg.get("method"), msg.get("id")
    if method == "initialize":
        fs_advertised = bool(((msg["params"].get("clientCapabilities") or {}).get("fs") or {}).get("readTextFile"))
        sys.stdout.write("this is not json\n\n   \r\n"); sys.stdout.flush()
        send({"jsonrpc": "2.0", "id": mid, "result": {"protocolVersion": 1, "agentCapabilities": {}}})
    elif method == "session/new":
        cwd = msg["params"]["cwd"]
        send({"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": "raw-1", "update": {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "EARLY"}}}})
        send({"jsonrpc": "2.0", "id": mid, "result": {"sessionId": "raw-1"}})
    elif method == "session/prompt":
        send({"jsonrpc": "2.0", "id": "s-1", "method": "_raw/ext", "params": {}})
        send({"jsonrpc": "2.0", "id": 0, "method": "fs/read_text_file", "params": {"sessionId": "raw-1", "path": cwd + "/notes.txt", "line": 2, "limit": 1}})
        send({"jsonrpc": "2.0", "id": 1, "method": "fs/write_text_file", "params": {"sessionId": "raw-1", "path": cwd + "/../escape.txt", "content": "x"}})
        send({"jsonrpc": "2.0", "id": 7, "method": "session/request_permission", "params": {"sessionId": "raw-1", "toolCall": {"toolCallId": "t1", "title": "rm"}, "options": [{"optionId": "ok", "name": "OK", "kind": "allow_once"}]}})
        send({"jsonrpc": "2.0", "method": "$/cancel_request", "params": {"requestId": 7}})
        send({"jsonrpc": "2.0", "method": "_raw/notice", "params": {}})
        send({"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": "raw-1", "update": {"sessionUpdate": "plan_update", "x": 1}}})
        answers = {}
        while len(answers) < 4:
            reply = read()
            if "method" not in reply: answers[json.dumps(reply["id"])] = reply
        def code(key): return answers[key]["error"]["code"] if "error" in answers[key] else "ok"
        fs = answers["0"]["result"]["content"].strip() if "result" in answers["0"] else answers["0"]["error"]["code"]
        perm = answers["7"]["result"]["outcome"]["outcome"]
        text = f"ext={code(json.dumps('s-1'))} read={fs} write={code('1')} perm={perm}"
        send({"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": "raw-1", "update": {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": text}}}})
        send({"jsonrpc": "2.0", "id": mid, "result": {"stopReason": "end_turn"}})
        send({"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": "raw-1", "update": {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "LATE"}}}})
"""#

    @Test("edge cases are handled; fs answers -32601 unless advertised, and is confined when it is", arguments: [false, true])
    func edgeCases(fileSystem: Bool) async throws {
        try await withTemporaryDirectory { dir in
            let scriptPath = dir.appendingPathComponent("raw_agent.py").path
            try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
            let harness = StdioHarness(peer: .demo, directory: dir) { $0.fileSystem = fileSystem }
            try FileManager.default.createDirectory(atPath: harness.workspace, withIntermediateDirectories: true)
            try "one\ntwo\nthree\n".write(toFile: harness.workspace + "/notes.txt", atomically: true, encoding: .utf8)
            var request = try harness.request(StdioHarness.key())
            request.agent = AgentSpec(id: "raw", command: [TestPaths.python, scriptPath])
            let runtime = harness.runtime
            let sessionRequest = request
            let ensured = try await withDeadline(30, "ensureSession") { try await runtime.ensureSession(sessionRequest) }
            let replies = Mutex<[PermissionReply]>([])
            let turn = try await harness.turn(ensured.handle, "go") { event in
                guard case .permissionRequest(let permission) = event else { return }
                replies.withLock { $0.append(permission.reply) }
            }
            #expect(turn.stopReason == .endTurn)
            // The agent withdrew it with $/cancel_request (and got "cancelled"): a late answer is refused.
            let reply = try #require(replies.withLock { $0.first })
            #expect(await reply(.selected(optionId: "ok")) == false)
            let expected = fileSystem
                ? "ext=-32601 read=two write=-32602 perm=cancelled"
                : "ext=-32601 read=-32601 write=-32601 perm=cancelled"
            #expect(turn.output == expected)
            #expect(!turn.output.contains("EARLY"))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("escape.txt").path) == false)
            await runtime.close(sessionKey: request.sessionKey, reason: .sessionClosed)
            try await harness.expectValidWire()
        }
    }
}
