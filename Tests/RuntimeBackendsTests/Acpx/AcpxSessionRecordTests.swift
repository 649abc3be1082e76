import ACPControlPlane
import Foundation
import Testing
import TestSupport

@testable import RuntimeBackends

/// `close` of sessions that an earlier acpd process ensured, from the session records.
@Suite("acpx session records (fake acpx)")
struct AcpxSessionRecordTests {
    @Test("a restarted backend closes the acpx session the earlier one ensured, once")
    func closeAfterRestart() async throws {
        try await withTemporaryDirectory { dir in
            let first = FakeAcpx(recordingIn: dir)
            let request = first.request()
            let ensured = try await first.runtime.ensureSession(request)
            #expect(try first.records().first?["closed"] as? Bool == false)

            let restarted = FakeAcpx(recordingIn: dir)
            await restarted.runtime.close(sessionKey: request.sessionKey, reason: .reset)
            #expect(try restarted.records().first?["closed"] as? Bool == true)
            let close = try #require(try restarted.calls().first { $0.argv.contains("close") })
            #expect(close.argv.contains(AcpxSessionName(request.sessionKey).rawValue))
            #expect(close.argv.contains(AcpxCommandLine.agentCommandString(request.agent.command)))
            #expect(close.argv.contains(dir.path))
            // The record is gone: closing again runs nothing.
            #expect(try FileManager.default.contentsOfDirectory(atPath: FakeAcpx.recordDirectory(dir).path).isEmpty)
            await restarted.runtime.close(sessionKey: request.sessionKey, reason: .reset)
            #expect(try restarted.calls().filter { $0.argv.contains("close") }.count == 1)

            // So a reset after a restart starts fresh instead of resuming the old acpx session.
            let fresh = try await restarted.runtime.ensureSession(request)
            #expect(fresh.origin == .created)
            #expect(fresh.handle.agentSessionId != ensured.handle.agentSessionId)
        }
    }

    @Test("without a record directory a restarted backend leaves the earlier session alone")
    func noRecordsByDefault() async throws {
        try await withTemporaryDirectory { dir in
            let first = FakeAcpx(dir: dir)
            let request = first.request()
            _ = try await first.runtime.ensureSession(request)
            await FakeAcpx(dir: dir).runtime.close(sessionKey: request.sessionKey, reason: .reset)
            #expect(try first.calls().filter { $0.argv.contains("close") }.isEmpty)
            #expect(try first.records().first?["closed"] as? Bool == false)
            #expect(!FileManager.default.fileExists(atPath: FakeAcpx.recordDirectory(dir).path))
        }
    }

    @Test("the record holds what acpx needs and no environment values; closing in-process removes it")
    func recordContents() async throws {
        try await withTemporaryDirectory { dir in
            let fake = FakeAcpx(recordingIn: dir)
            let request = fake.request(env: ["AGENT_TOKEN": "s3cr3t-value"])
            _ = try await fake.runtime.ensureSession(request)
            let file = FakeAcpx.recordDirectory(dir).appendingPathComponent(AcpxSessionName(request.sessionKey).rawValue + ".json")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(!text.contains("s3cr3t-value"))
            let record = try #require(try AcpxSessionRecords(directory: FakeAcpx.recordDirectory(dir).path).load(request.sessionKey))
            #expect(record == AcpxSessionRecord(sessionKey: request.sessionKey.rawValue, agentId: "demo",
                                                agentCommand: request.agent.command, cwd: request.cwd,
                                                envPassthrough: request.envPassthrough))
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            await fake.runtime.close(sessionKey: request.sessionKey, reason: .sessionClosed)
            #expect(!FileManager.default.fileExists(atPath: file.path))
            #expect(try fake.records().first?["closed"] as? Bool == true)
        }
    }

    @Test("a record saved for another key with the same file name is not used")
    func recordKeyMustMatch() async throws {
        try await withTemporaryDirectory { dir in
            let records = AcpxSessionRecords(directory: dir.path)
            let key = try #require(SessionKey("agent:demo:acp:one"))
            let other = AcpxSessionRecord(sessionKey: "agent:demo:acp:two", agentId: "demo", agentCommand: ["x"], cwd: "/", envPassthrough: [])
            try records.save(other, name: AcpxSessionName(key))
            #expect(try records.load(key) == nil)
            try records.remove(key)
            try records.remove(key)  // no record: not an error
        }
    }
}
