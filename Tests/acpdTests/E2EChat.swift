import Foundation
import Testing
import TestSupport

/// A chat participant of a running `acpd run` over its http channel: posts messages as a sender
/// into conversations and reads back what acpd delivered and stored (messages, runs, sessions,
/// bindings, metrics). Used by the end-to-end command and permission tests.
struct E2EChat: Sendable {
    let daemon: DaemonProcess
    var sender = "alice"

    /// The daemon config of these tests: the demo agent (the default agent), config `acp`
    /// bindings for `boundConversations`, `alice` an owner (rate limit out of the way: these tests
    /// send many commands quickly), and `acpLines` added under `acp:`
    /// (two-space indented YAML, e.g. `  permissions: { timeoutSeconds: 1 }`).
    static func writeConfig(in directory: URL, port: Int, token: String, boundConversations: [String] = ["room1"],
                            acpLines: [String] = []) throws {
        let bindings = boundConversations.map { id in
            """
              - type: acp
                agentId: demo
                match:
                  channel: http
                  peer: { kind: direct, id: "\(id)" }
            """
        }
        let yaml = """
        stateDir: ./state
        acp:
          defaultAgent: demo
        \(acpLines.map { "  " + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n"))
        agents:
          demo:
            command: ["\(TestPaths.demoAgent)"]
            cwd: ./workspace
        bindings:
        \(bindings.joined(separator: "\n"))
        channels:
          http: { enabled: true }
        access:
          owners: ["http:alice"]
          rateLimit: { perMinute: 6000, burst: 1000 }
        api:
          listen: "127.0.0.1:\(port)"
          token: "\(token)"
        """
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace/sub"), withIntermediateDirectories: true)
        try yaml.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
    }

    // MARK: Inbound

    /// Posts `text` into `conversation` (with `messageId`, else a fresh one) and returns the `202` outcome.
    @discardableResult
    func say(_ text: String, in conversation: String, messageId: String? = nil) async throws -> E2EOutcome {
        let (status, data) = try await daemon.request("POST", "/v1/messages", body: [
            "conversationId": conversation, "senderId": sender, "text": text, "messageId": messageId ?? UUID().uuidString,
        ])
        guard status == 202 else { throw DaemonTestError("POST \(text) answered \(status): \(String(decoding: data, as: UTF8.self))") }
        return try JSONDecoder().decode(E2EOutcome.self, from: data)
    }

    /// Posts a command and returns its reply (every command has one).
    func command(_ text: String, in conversation: String) async throws -> String {
        let outcome = try await say(text, in: conversation)
        guard let reply = outcome.reply else { throw DaemonTestError("\(text) got no reply: \(outcome)\n\(daemon.log)") }
        return reply
    }

    /// Posts a prompt and returns the run it queued.
    func prompt(_ text: String, in conversation: String) async throws -> String {
        let outcome = try await say(text, in: conversation)
        guard let runId = outcome.runId else { throw DaemonTestError("prompt \(text) queued no run: \(outcome)\n\(daemon.log)") }
        return runId
    }

    /// The session key in `OK: spawned <key> (agent …`.
    static func spawnedKey(_ reply: String) throws -> String {
        let rest = try #require(reply.components(separatedBy: "OK: spawned ").dropFirst().first, "reply: \(reply)")
        return try #require(rest.components(separatedBy: " (agent").first)
    }

    // MARK: Outbound

    /// What acpd delivered to `conversation`, in seq order.
    func messages(in conversation: String) async throws -> [E2EMessage] {
        try await get("/v1/conversations/\(conversation)/messages?after=0", as: E2EMessageList.self).messages
    }

    /// Polls `conversation` until a message satisfies `predicate`; returns it.
    @discardableResult
    func waitForMessage(in conversation: String, _ what: String, timeout: Double = 20,
                        where predicate: @escaping @Sendable (E2EMessage) -> Bool) async throws -> E2EMessage {
        try await withDeadline(timeout, "\(what) in \(conversation)") {
            while true {
                if let found = try await messages(in: conversation).first(where: predicate) { return found }
                try await Task.sleep(for: .milliseconds(25))
            }
        }
    }

    /// Waits until `runId`'s messages in `conversation` are final; returns its text (its reply
    /// messages joined by newlines).
    func finalText(of runId: String, in conversation: String, timeout: Double = 20) async throws -> String {
        try await waitForMessage(in: conversation, "the final message of run \(runId)", timeout: timeout) {
            $0.runId == runId && $0.final
        }
        return try await messages(in: conversation).filter { $0.runId == runId && $0.kind == "reply" }.map(\.text).joined(separator: "\n")
    }

    // MARK: Store and API state

    /// `GET /v1/runs/{id}`.
    func run(_ id: String) async throws -> E2ERun { try await get("/v1/runs/\(id)", as: E2ERun.self) }

    /// Polls `GET /v1/runs/{id}` until its state is `state`.
    @discardableResult
    func waitForRun(_ id: String, state: String, timeout: Double = 20) async throws -> E2ERun {
        try await withDeadline(timeout, "run \(id) \(state)") {
            while true {
                let run = try await run(id)
                if run.state == state { return run }
                try await Task.sleep(for: .milliseconds(25))
            }
        }
    }

    /// `GET /v1/sessions`.
    func sessions() async throws -> [E2ESession] { try await get("/v1/sessions", as: E2ESessionList.self).sessions }

    /// `GET /v1/sessions/{key}`.
    func session(_ key: String) async throws -> E2ESession { try await get("/v1/sessions/\(key)", as: E2ESession.self) }

    /// `GET /v1/bindings` (active only).
    func bindings() async throws -> [E2EBinding] { try await get("/v1/bindings", as: E2EBindingList.self).bindings }

    /// The value of the `/metrics` sample `name` whose labels include `labels`, nil when absent.
    func metric(_ name: String, _ labels: [String: String] = [:]) async throws -> Double? {
        let (_, data) = try await daemon.request("GET", "/metrics")
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2 else { continue }
            let sample = parts[0]
            let sampleName = sample.prefix { $0 != "{" }
            guard sampleName == name, labels.allSatisfy({ sample.contains("\($0.key)=\"\($0.value)\"") }) else { continue }
            return Double(parts[1])
        }
        return nil
    }

    private func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let (status, data) = try await daemon.request("GET", path)
        guard status == 200 else { throw DaemonTestError("GET \(path) answered \(status): \(String(decoding: data, as: UTF8.self))") }
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// Starts a daemon on a fresh port with `E2EChat.writeConfig`, runs `body`, then stops it with
/// SIGTERM and expects a clean exit.
func withE2EDaemon(boundConversations: [String] = ["room1"], acpLines: [String] = [],
                   _ body: (E2EChat, URL) async throws -> Void) async throws {
    try await withTemporaryDirectory { directory in
        let port = try DaemonProcess.freePort()
        let token = "e2e-\(UUID().uuidString.prefix(8))"
        try E2EChat.writeConfig(in: directory, port: port, token: token, boundConversations: boundConversations, acpLines: acpLines)
        let daemon = try await DaemonProcess(directory: directory, port: port, token: token)
        try await body(E2EChat(daemon: daemon), directory)
        let exit = try await daemon.stop(signal: SIGTERM)
        #expect(exit == 0, "log:\n\(daemon.log)")
    }
}

/// `POST /v1/messages`'s answer.
struct E2EOutcome: Decodable, Sendable, Equatable {
    let accepted: Bool
    let runId: String?
    let reply: String?
}

/// One message of `/v1/conversations/{id}/messages`.
struct E2EMessage: Decodable, Sendable {
    let seq: Int64
    let id: String
    let kind: String
    let runId: String?
    let text: String
    let final: Bool
}

/// `/v1/runs/{id}`.
struct E2ERun: Decodable, Sendable {
    let id: String
    let sessionKey: String
    let state: String
    let lane: String
    let conversation: String?
    let stopReason: String?
    let errorCode: String?
}

/// One session of `/v1/sessions`.
struct E2ESession: Decodable, Sendable {
    let key: String
    let label: String?
    let agent: String
    let state: String
    let mode: String
    let backend: String
    let cwd: String
    let bindings: [String]
}

/// One binding of `/v1/bindings`.
struct E2EBinding: Decodable, Sendable {
    let id: Int64
    let source: String
    let conversation: String
    let sessionKey: String
    let persist: Bool
    let expiresAt: String?
}

private struct E2EMessageList: Decodable { let messages: [E2EMessage] }
private struct E2ESessionList: Decodable { let sessions: [E2ESession] }
private struct E2EBindingList: Decodable { let bindings: [E2EBinding] }
