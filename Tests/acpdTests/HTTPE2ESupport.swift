import ACPControlPlane
import Foundation
import Testing
import TestSupport

/// The answer of one `POST /v1/messages`.
struct PostAnswer: CustomStringConvertible {
    let status: Int
    let body: Data

    var object: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    var accepted: Bool? { object["accepted"] as? Bool }
    var runId: String? { object["runId"] as? String }
    var reply: String? { object["reply"] as? String }
    /// The body's keys, to tell `{"accepted": false}` from an answer with more in it.
    var keys: Set<String> { Set(object.keys) }
    var text: String { String(decoding: body, as: UTF8.self) }
    var description: String { "\(status) \(text)" }
}

/// A delivered message of an http conversation (`GET /v1/conversations/{id}/messages`).
struct LoggedMessage: CustomStringConvertible {
    let seq: Int
    let kind: String
    let runId: String?
    let text: String
    let final: Bool

    init(_ object: [String: Any]) {
        seq = object["seq"] as? Int ?? 0
        kind = object["kind"] as? String ?? ""
        runId = object["runId"] as? String
        text = object["text"] as? String ?? ""
        final = object["final"] as? Bool ?? false
    }

    var description: String { "#\(seq) \(kind) run=\(runId ?? "-") final=\(final): \(text)" }
}

/// Helpers of the http end-to-end tests (access, errors, redaction, idempotency): a daemon with a
/// config of the test's own, posts from any sender, the conversation logs and the store.
extension DaemonProcess {
    /// Writes `stateDir`, `body` (everything but `stateDir` and `api`) and an `api` section to
    /// `acpd.yaml` in `directory`, and starts `acpd run` on it.
    /// `api` holds more `api` keys (indented lines), `shell` runs before acpd (see `init`).
    static func start(in directory: URL, token: String, config body: String, api: String = "",
                      shell: String? = nil) async throws -> DaemonProcess {
        let port = try freePort()
        let yaml = "stateDir: ./state\n" + body + "\napi:\n  listen: \"127.0.0.1:\(port)\"\n  token: \"\(token)\"\n" + api
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace"), withIntermediateDirectories: true)
        try yaml.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
        return try await DaemonProcess(directory: directory, port: port, token: token, shell: shell)
    }

    /// `POST /v1/messages` from `sender` (the bare http sender id) into `conversation`; the
    /// `Idempotency-Key` header only when `key` is given, a fresh `messageId` unless one is given.
    func post(_ conversation: String, from sender: String, _ text: String, messageId: String? = nil,
              key: String? = nil) async throws -> PostAnswer {
        let body: [String: Any] = ["conversationId": conversation, "senderId": sender, "text": text,
                                   "messageId": messageId ?? "m-\(UUID().uuidString)"]
        let (status, data) = try await request("POST", "/v1/messages", body: body,
                                               headers: key.map { ["Idempotency-Key": $0] } ?? [:])
        return PostAnswer(status: status, body: data)
    }

    /// Everything delivered to the http conversation so far, in `seq` order.
    func messages(_ conversation: String) async throws -> [LoggedMessage] {
        let (status, data) = try await request("GET", "/v1/conversations/\(conversation)/messages?after=0")
        guard status == 200 else { throw DaemonTestError("messages of \(conversation): HTTP \(status)") }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return (object?["messages"] as? [[String: Any]] ?? []).map(LoggedMessage.init)
    }

    /// Waits until run `runId` has a final message in `conversation`; returns the run's messages.
    func finalMessages(_ conversation: String, run runId: String, timeout: Double = 30) async throws -> [LoggedMessage] {
        try await withDeadline(timeout, "final message of run \(runId) in \(conversation)") {
            while true {
                let mine = try await self.messages(conversation).filter { $0.runId == runId }
                if mine.contains(where: \.final) { return mine }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// The text of run `runId` once it is final (its messages joined by newlines).
    func finalText(_ conversation: String, run runId: String, timeout: Double = 30) async throws -> String {
        try await finalMessages(conversation, run: runId, timeout: timeout).map(\.text).joined(separator: "\n")
    }

    /// Waits until some message of `conversation` satisfies `predicate`; returns it.
    func waitForMessage(_ conversation: String, timeout: Double = 30, _ what: String,
                        where predicate: @escaping @Sendable (LoggedMessage) -> Bool) async throws -> LoggedMessage {
        try await withDeadline(timeout, what) {
            while true {
                if let found = try await self.messages(conversation).first(where: predicate) { return found }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Runs `body` over a read-only view of the daemon's store (opened and closed around it).
    func withStore<T>(_ body: (ControlPlaneStore) throws -> T) throws -> T {
        let path = directory.appendingPathComponent("state").appendingPathComponent(ControlPlaneStore.fileName).path
        let store = try ControlPlaneStore(path: path, integrity: .none, readOnly: true)
        defer { try? store.close() }
        return try body(store)
    }

    /// How many runs the store holds, over every session.
    func runCount() throws -> Int {
        try withStore { store in try store.sessions().reduce(0) { $0 + (try store.runs(session: $1.key, limit: 10_000).count) } }
    }

    /// How many sessions the store holds (any state).
    func sessionCount() throws -> Int {
        try withStore { try $0.sessions().count }
    }

    /// Every pairing request of the store (any state).
    func pairingRequests() throws -> [PairingRequest] {
        try withStore { try $0.pairingRequests(state: nil) }
    }

    /// Waits until run `runId` is in a terminal state; returns its state and error code (`/v1/runs/{id}`).
    func finishedRun(_ runId: String, timeout: Double = 30) async throws -> (state: String, errorCode: String?) {
        try await withDeadline(timeout, "run \(runId) ends") {
            while true {
                if let run = try await self.run(runId), ["completed", "failed", "cancelled"].contains(run.state) { return run }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// The state and error code of run `runId` (`/v1/runs/{id}`), nil when unknown.
    func run(_ runId: String) async throws -> (state: String, errorCode: String?)? {
        let (status, run) = try await json("GET", "/v1/runs/\(runId)")
        guard status == 200, let state = run["state"] as? String else { return nil }
        return (state, run["errorCode"] as? String)
    }
}

/// The config snippet of the demo agent (`agents.demo`) for the end-to-end tests.
enum E2EConfig {
    static var demoAgent: String {
        """
        agents:
          demo:
            command: ["\(TestPaths.demoAgent)"]
            cwd: ./workspace
        """
    }

    /// The config body of an http-only daemon with the demo agent (the default agent), one config
    /// `acp` binding of `room1`, `http:alice` an owner, and `accessLines` added under `access:`
    /// (one YAML line each, indented by the helper, such as `rateLimit: { perMinute: 600, burst: 200 }`).
    static func oneRoom(accessLines: [String] = []) -> String {
        """
        acp:
          defaultAgent: demo
        \(demoAgent)
        bindings:
        \(acpBinding("room1"))
        channels:
          http: { enabled: true }
        access:
          owners: ["http:alice"]
        """ + accessLines.map { "\n  " + $0 }.joined()
    }

    /// A config `type: acp` binding of http conversation `peer` to the demo agent.
    static func acpBinding(_ peer: String, access: String = "allowlist") -> String {
        """
          - type: acp
            agentId: demo
            match: { channel: http, peer: { kind: direct, id: "\(peer)" } }
            access: \(access)
        """
    }
}
