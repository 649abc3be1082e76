@testable import ACPControlPlane
import Foundation
import Testing
import TestSupport

@Suite("Permission requests", .serialized)
struct PermissionTests {
    private func harness(_ dir: URL, mode: PermissionMode, timeout: Duration = .seconds(60)) async throws -> ManagerHarness {
        var settings = ManagerHarness.fastSettings
        settings.permissionMode = mode
        settings.permissionTimeout = timeout
        return try await ManagerHarness(dir: dir, settings: settings)
    }

    private static func prompt(in events: [ControlPlaneEvent]) -> PermissionPrompt? {
        events.lazy.compactMap { if case .permissionRequested(let prompt) = $0.payload { prompt } else { nil } }.first
    }

    private static func resolution(in events: [ControlPlaneEvent]) -> PermissionResolution? {
        events.lazy.compactMap { if case .permissionResolved(let resolution) = $0.payload { resolution } else { nil } }.first
    }

    @Test func askStoresTheRequestAndTheAnswerReachesTheAgent() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await harness(dir, mode: .ask)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let run = try await h.submit(key, "[permission]")
            try await collector.wait("permission request") { Self.prompt(in: $0) != nil }
            let prompt = try #require(Self.prompt(in: collector.events))
            #expect(prompt.options.map(\.id) == ["allow-once", "allow-always", "reject-once"])
            #expect(try await h.manager.status(key).pendingPermissions.map(\.id) == [prompt.id])
            let state = try h.store.read { db in try String.fetchOne(db, sql: "SELECT state FROM acp_permission_requests WHERE id = ?", arguments: [prompt.id]) }
            #expect(state == "pending")
            await #expect(throws: ACPError.self) { try await h.manager.answerPermission(prompt.id, outcome: .selected(optionId: "nope")) }
            #expect(try await h.manager.answerPermission(prompt.id, outcome: .selected(optionId: "allow-once")))
            #expect(try await h.manager.answerPermission(prompt.id, outcome: .selected(optionId: "allow-once")) == false)
            #expect(try await collector.terminal(of: run) == .completed(stopReason: "end_turn"))
            #expect(collector.text(of: run).contains("permission: selected allow-once"))
            #expect(Self.resolution(in: collector.events) == PermissionResolution(id: prompt.id, how: .answered, optionId: "allow-once"))
        }
    }

    @Test(arguments: [(PermissionMode.approveAll, "allow-once"), (.denyAll, "reject-once")])
    func modesAnswerAtOnce(_ mode: PermissionMode, _ expected: String) async throws {
        try await withTemporaryDirectory { dir in
            let h = try await harness(dir, mode: mode)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let run = try await h.submit(key, "[permission]")
            try await collector.terminal(of: run)
            #expect(collector.text(of: run).contains("permission: selected \(expected)"))
            #expect(Self.resolution(in: collector.events)?.how == .auto)
        }
    }

    @Test func approveReadsStillAsksForAnExecuteCallAndTheDeadlineRejects() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await harness(dir, mode: .approveReads, timeout: .milliseconds(500))
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let run = try await h.submit(key, "[permission]")
            try await collector.terminal(of: run)
            #expect(collector.text(of: run).contains("permission: selected reject-once"))
            #expect(Self.resolution(in: collector.events)?.how == .timedOut)
        }
    }

    @Test func cancelAnswersPendingRequestsWithCancelled() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await harness(dir, mode: .ask)
            defer { Task { await h.shutdown() } }
            let (key, collector) = try await h.makeSession()
            let run = try await h.submit(key, "[permission]")
            try await collector.wait("permission request") { Self.prompt(in: $0) != nil }
            _ = try await h.manager.cancel(key)
            #expect(try await collector.terminal(of: run) == .cancelled)
            #expect(Self.resolution(in: collector.events)?.how == .cancelled)
            #expect(try await h.manager.status(key).pendingPermissions.isEmpty)
        }
    }

    @Test(arguments: [
        (PermissionMode.ask, "execute", PermissionPolicy.Decision.ask),
        (.approveAll, "execute", .answer(.selected(optionId: "a1"))),
        (.approveReads, "read", .answer(.selected(optionId: "a1"))),
        (.approveReads, "edit", .ask),
        (.denyAll, "read", .answer(.selected(optionId: "r1"))),
    ])
    func policyTable(_ mode: PermissionMode, _ kind: String, _ expected: PermissionPolicy.Decision) {
        let options = [PermissionOption(id: "a2", name: "Always", kind: .allowAlways), PermissionOption(id: "a1", name: "Once", kind: .allowOnce),
                       PermissionOption(id: "r2", name: "Never", kind: .rejectAlways), PermissionOption(id: "r1", name: "No", kind: .rejectOnce)]
        #expect(PermissionPolicy.decide(mode: mode, toolKind: kind, options: options) == expected)
    }

    @Test func timeoutWithoutARejectOptionCancels() {
        #expect(PermissionPolicy.onTimeout([PermissionOption(id: "a", name: "A", kind: .allowOnce)]) == .cancelled)
        #expect(PermissionPolicy.decide(mode: .denyAll, toolKind: nil, options: []) == .answer(.cancelled))
    }
}
