import JSONKit
import Foundation
import Synchronization
import TestSupport

/// A running `acpd run` subprocess on a temp directory, and an HTTP client for its API.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let directory: URL
    let port: Int
    let token: String
    let logFile: URL

    /// The config of the daemon tests: the demo agent bound to http conversation `room1`.
    static func writeConfig(in directory: URL, port: Int, token: String) throws {
        let yaml = """
        stateDir: ./state
        acp:
          defaultAgent: demo
        agents:
          demo:
            command: ["\(TestPaths.demoAgent)"]
            cwd: ./workspace
        bindings:
          - type: acp
            agentId: demo
            match:
              channel: http
              peer: { kind: direct, id: "room1" }
        channels:
          http: { enabled: true }
        access:
          owners: ["http:alice"]
        api:
          listen: "127.0.0.1:\(port)"
          token: "\(token)"
        """
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace"), withIntermediateDirectories: true)
        try yaml.write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
    }

    /// Starts `acpd run --config acpd.yaml` in `directory` and waits until `/healthz` answers.
    /// `shell`, when given, runs first in the `/bin/sh` that then execs acpd (same pid), e.g.
    /// `ulimit -n 256` to start it under a low open-file limit.
    init(directory: URL, port: Int, token: String, shell: String? = nil, environment extra: [String: String] = [:]) async throws {
        self.directory = directory
        self.port = port
        self.token = token
        logFile = directory.appendingPathComponent("acpd-\(UUID().uuidString.prefix(8)).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let arguments = ["run", "--config", directory.appendingPathComponent("acpd.yaml").path]
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "\(shell) && exec \"$0\" \"$@\"", TestPaths.product("acpd")] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: TestPaths.product("acpd"))
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["ACPD_CONFIG"] = nil
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try await withDeadline(30, "acpd /healthz answers") {
            while true {
                if !self.process.isRunning { throw DaemonTestError("acpd exited early:\n\(self.log)") }
                if let (status, _) = try? await self.request("GET", "/healthz", auth: false), status == 200 { return }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// A failed test must not leave a daemon behind.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// What the daemon logged so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// A free TCP port on 127.0.0.1 for a daemon to listen on: picked at random below the
    /// kernel's ephemeral range (32768+), checked bindable, then released, and never handed out
    /// twice in this process. (A port from `bind(0)` is an ephemeral one: between its release and
    /// acpd's bind, any of the test process's outgoing connections may take it — "Address already
    /// in use" under load.)
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if canBind(port) { return port }
        }
        throw DaemonTestError("cannot find a free port")
    }

    private static let handedOut = Mutex<Set<Int>>([])

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// One HTTP request; returns the status and the body.
    func request(_ method: String, _ path: String, auth: Bool = true, body: [String: Any]? = nil,
                 headers: [String: String] = [:]) async throws -> (Int, Data) {
        var fields = headers
        if auth { fields["Authorization"] = "Bearer \(token)" }
        var data: Data?
        if let body {
            data = try JSONSerialization.data(withJSONObject: body)
            fields["Content-Type"] = "application/json"
        }
        return try await TestHTTP.send(method, "http://127.0.0.1:\(port)\(path)", headers: fields, body: data)
    }

    /// The JSON object of a request's body.
    func json(_ method: String, _ path: String, body: [String: Any]? = nil, headers: [String: String] = [:]) async throws -> (Int, [String: Any]) {
        let (status, data) = try await request(method, path, body: body, headers: headers)
        return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    /// Sends `signal` and waits for the exit; returns the termination status.
    func stop(signal: Int32 = SIGTERM, timeout: Double = 30) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        return try await withDeadline(timeout, "acpd exits after signal \(signal)") {
            while self.process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            return self.process.terminationStatus
        }
    }
}

struct DaemonTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
