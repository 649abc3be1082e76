@testable import Bindings
import Foundation
import Testing
import TestSupport

/// Issue 11, finding 3, through the built `acpd run`: a number outside its range stops the daemon
/// with the validation error (exit status 1, not a signal); every number at its maximum runs.
struct ConfigBoundsE2ETests {
    /// Every integer key of the schema with its maximum, as a path (`["acp", "runtime", "ttlMinutes"]`).
    static var maxima: [(path: [String], max: Int)] {
        var found: [(path: [String], max: Int)] = []
        func walk(_ schema: ConfigSchema, _ path: [String]) {
            switch schema.kind {
            case .integer(_, let max): found.append((path, max ?? Int(Int64.max)))
            case .object(let fields): for field in fields { walk(field.schema, path + [field.name]) }
            default: break
            }
        }
        walk(ACPDConfigSchema.root, [])
        return found
    }

    /// The daemon tests' config (`DaemonProcess.writeConfig`) with `acp` and `access` written as
    /// blocks that also hold `numbers`.
    static func config(port: Int, token: String, numbers: [([String], String)]) -> String {
        let entries: [([String], String)] = [(["acp", "defaultAgent"], "demo"), (["access", "owners"], "[\"http:alice\"]"),
                                             (["api", "listen"], "\"127.0.0.1:\(port)\""), (["api", "token"], "\"\(token)\"")] + numbers
        return yamlBlocks(entries) + """
        agents:
          demo:
            command: ["\(TestPaths.demoAgent)"]
            cwd: ./workspace
        bindings:
          - type: acp
            agentId: demo
            match: { channel: http, peer: { kind: direct, id: "room1" } }
        channels:
          http: { enabled: true }
        stateDir: ./state

        """
    }

    /// Nested block YAML of `(path, plain scalar)` entries, keys in first-seen order.
    static func yamlBlocks(_ entries: [([String], String)], depth: Int = 0) -> String {
        var order: [String] = []
        var groups: [String: [([String], String)]] = [:]
        for (path, value) in entries {
            if groups[path[0]] == nil { order.append(path[0]) }
            groups[path[0], default: []].append((Array(path.dropFirst()), value))
        }
        let pad = String(repeating: "  ", count: depth)
        return order.map { key in
            let children = groups[key]!
            if children.count == 1, children[0].0.isEmpty { return "\(pad)\(key): \(children[0].1)\n" }
            return "\(pad)\(key):\n" + yamlBlocks(children.filter { !$0.0.isEmpty }, depth: depth + 1)
        }.joined()
    }

    @Test(arguments: [["acp", "turnTimeoutSeconds"], ["acp", "runtime", "ttlMinutes"]])
    func anOutOfRangeNumberStopsRunWithTheValidationError(_ path: [String]) async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace"), withIntermediateDirectories: true)
            let file = directory.appendingPathComponent("acpd.yaml")
            try Self.config(port: port, token: "bounds", numbers: [(path, String(Int64.max))]).write(to: file, atomically: true, encoding: .utf8)

            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestPaths.product("acpd"))
            process.arguments = ["run", "--config", file.path]
            process.currentDirectoryURL = directory
            let logFile = directory.appendingPathComponent("run.log")
            FileManager.default.createFile(atPath: logFile.path, contents: nil)
            let log = try FileHandle(forWritingTo: logFile)
            process.standardOutput = log
            process.standardError = log
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            nonisolated(unsafe) let child = process
            let exited = try await withDeadline(20, "acpd run exits") {
                while child.isRunning { try await Task.sleep(for: .milliseconds(20)) }
                return true
            }
            let output = try String(contentsOf: logFile, encoding: .utf8)
            #expect(exited)
            #expect(process.terminationReason == .exit, "acpd ended by signal \(process.terminationStatus):\n\(output)")
            #expect(process.terminationStatus == 1, "\(output)")
            let key = path.joined(separator: ".")
            let max = try #require(Self.maxima.first { $0.path == path }?.max)
            #expect(output.contains("\(key): expected an integer from 1 to \(max), got \(Int64.max)"), "\(output)")
        }
    }

    @Test func theJSONSchemaGivesEveryIntegerARange() async throws {
        try await withTemporaryDirectory { directory in
            let run = try await CLI.run(["config", "schema"], in: directory)
            #expect(run.status == 0)
            let schema = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            var integers: [String: [String: Any]] = [:]
            func walk(_ node: [String: Any], _ path: String) {
                if node["type"] as? String == "integer" { integers[path] = node }
                for (name, child) in node["properties"] as? [String: Any] ?? [:] {
                    if let child = child as? [String: Any] { walk(child, path.isEmpty ? name : "\(path).\(name)") }
                }
            }
            walk(schema, "")
            #expect(Set(integers.keys) == Set(Self.maxima.map { $0.path.joined(separator: ".") }))
            for (path, node) in integers {
                #expect(node["minimum"] is Int && node["maximum"] is Int, "\(path): \(node)")
            }
            #expect(integers["acp.turnTimeoutSeconds"]?["maximum"] as? Int == 604_800)
        }
    }

    @Test func everyNumberAtItsMaximumRunsAndServes() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("workspace"), withIntermediateDirectories: true)
            let numbers = Self.maxima.map { ($0.path, String($0.max)) }
            #expect(numbers.count >= 13)
            try Self.config(port: port, token: "bounds", numbers: numbers)
                .write(to: directory.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
            let daemon = try await DaemonProcess(directory: directory, port: port, token: "bounds")
            let (health, _) = try await daemon.request("GET", "/healthz", auth: false)
            #expect(health == 200)
            // A turn runs under the longest turn timeout, permission timeout and runtime TTL.
            let answer = try await daemon.post("room1", from: "alice", "hello at the limits")
            let runId = try #require(answer.runId, "\(answer)\n\(daemon.log)")
            #expect(try await daemon.finishedRun(runId).state == "completed", "\(daemon.log)")
            #expect(try await daemon.stop() == 0, "\(daemon.log)")
        }
    }
}
